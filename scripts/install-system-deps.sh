#!/usr/bin/env bash
# Installs the system packages the tests and the benchmark drive for real:
# Debian's Chromium (browser tests through playwright-core), Postfix (smtp-sink / smtp-source),
# Dovecot's IMAP server (the bounce mailbox tests start their own, unprivileged, on a free port) and
# PostgreSQL (the PostgreSQL store's tests start their own server with initdb and pg_ctl, likewise).
# Skips what is already there, so it is cheap to run on every CI start.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v smtp-sink >/dev/null 2>&1 || [ -x /usr/sbin/smtp-sink ] || need+=(postfix)
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || need+=(dovecot-imapd)
have_postgres() {
  (command -v initdb && command -v pg_ctl) >/dev/null 2>&1 && return 0
  for bin in /usr/lib/postgresql/*/bin; do
    [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && return 0
  done
  return 1
}
have_postgres || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
  echo "system deps: chromium, postfix, dovecot-imapd and postgresql already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system deps: installing ${need[*]}"
if [[ " ${need[*]} " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  # The tests start their own servers: no system-wide cluster (and no server left running on 5432).
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${need[@]}" >/dev/null
