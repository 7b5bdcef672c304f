#!/usr/bin/env bash
# Installs the system packages the tests and the benchmark drive for real:
# Debian's Chromium (browser tests through playwright-core), Postfix (smtp-sink / smtp-source) and
# Dovecot's IMAP server (the bounce mailbox tests start their own, unprivileged, on a free port).
# Skips what is already there, so it is cheap to run on every CI start.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v smtp-sink >/dev/null 2>&1 || [ -x /usr/sbin/smtp-sink ] || need+=(postfix)
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || need+=(dovecot-imapd)
if [ ${#need[@]} -eq 0 ]; then
  echo "system deps: chromium, postfix and dovecot-imapd already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system deps: installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
