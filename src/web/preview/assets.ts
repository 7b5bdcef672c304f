/**
 * The preview page's script and style sheet, served from /assets/ so the page's
 * Content-Security-Policy can forbid inline scripts and styles. Plain ES2020 for the browser.
 */

/**
 * Keeps the editor's choices (width, part, dark mode) across reloads in localStorage, and on each
 * server-sent "change" fetches the page again and swaps its live parts; the email frame is
 * reloaded only when its URL (which carries a hash of the email) changed.
 */
export const CLIENT_SCRIPT = String.raw`(() => {
  'use strict';
  const KEY = 'newsletter-preview';
  const DEFAULTS = { width: 'desktop', tab: 'html', dark: false };
  let state = Object.assign({}, DEFAULTS);
  try { state = Object.assign(state, JSON.parse(localStorage.getItem(KEY) || '{}')); } catch (e) { /* private mode */ }
  if (state.width !== 'phone') state.width = 'desktop';
  if (state.tab !== 'text') state.tab = 'html';
  state.dark = state.dark === true;

  const body = document.body;
  function apply() {
    body.dataset.width = state.width;
    body.dataset.tab = state.tab;
    body.dataset.scheme = state.dark ? 'dark' : 'light';
    for (const b of document.querySelectorAll('button[data-width]')) b.setAttribute('aria-pressed', String(b.dataset.width === state.width));
    for (const b of document.querySelectorAll('button[data-tab]')) b.setAttribute('aria-pressed', String(b.dataset.tab === state.tab));
    for (const b of document.querySelectorAll('button[data-dark]')) b.setAttribute('aria-pressed', String(state.dark));
    // The server serves the email in dark mode on request (a frame cannot be told the preference).
    for (const frame of document.querySelectorAll('iframe[data-src]')) {
      const url = new URL(frame.dataset.src, location.href);
      if (state.dark) url.searchParams.set('scheme', 'dark');
      const src = url.pathname + url.search;
      if (frame.getAttribute('src') !== src) frame.setAttribute('src', src);
    }
  }
  document.addEventListener('click', (event) => {
    const b = event.target instanceof Element ? event.target.closest('button') : null;
    if (!b) return;
    if (b.dataset.width) state.width = b.dataset.width;
    else if (b.dataset.tab) state.tab = b.dataset.tab;
    else if (b.hasAttribute('data-dark')) state.dark = !state.dark;
    else return;
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
    apply();
  });
  apply();

  const live = document.getElementById('live');
  function say(text) { if (live) live.textContent = text; }

  let busy = false;
  let again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const res = await fetch(location.href, { cache: 'no-store', headers: { accept: 'text/html' } });
      if (res.status === 404) { location.assign('/'); return; }
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      document.title = doc.title;
      for (const fresh of doc.querySelectorAll('[data-live]')) {
        const old = document.getElementById(fresh.id);
        if (!old) continue;
        const oldFrame = old.querySelector('iframe');
        const newFrame = fresh.querySelector('iframe');
        if (oldFrame && newFrame) {
          // Same frame, maybe a new email: only a new URL (it carries the email's hash) reloads it.
          // The frame stays in place (moving it would reload it); what is around it follows: the
          // dimmed "last version that worked" look and the alert above it when the file breaks.
          oldFrame.dataset.src = newFrame.dataset.src;
          oldFrame.title = newFrame.title;
          if (oldFrame.parentElement && newFrame.parentElement) oldFrame.parentElement.className = newFrame.parentElement.className;
          const oldText = old.querySelector('#text');
          const newText = fresh.querySelector('#text');
          if (oldText && newText) { oldText.textContent = newText.textContent; oldText.className = newText.className; }
          for (const a of old.querySelectorAll('[role=alert]')) a.remove();
          const alert = fresh.querySelector('[role=alert]');
          if (alert) old.prepend(document.importNode(alert, true));
        } else if (old.innerHTML !== fresh.innerHTML) {
          old.replaceWith(document.importNode(fresh, true));
        }
      }
      apply();
      say('updated ' + new Date().toLocaleTimeString());
    } catch (e) {
      say('could not reload: ' + e.message);
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }

  if (window.EventSource) {
    let lost = false;
    const events = new EventSource('/events');
    events.addEventListener('change', refresh);
    events.addEventListener('open', () => { say('live'); if (lost) { lost = false; refresh(); } });
    events.addEventListener('error', () => { lost = true; say('reconnecting…'); });
  }
})();
`;

export const STYLE_SHEET = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --accent: #0969da; --err: #cf222e; --warn: #9a6700; --ok: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
code, pre, .where { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.bar { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #24292f; color: #fff; }
.bar .brand { color: #fff; font-weight: 600; text-decoration: none; }
.bar .pub { color: #d1d9e0; }
.bar .live { margin-left: auto; color: #9ea7b3; font-size: 12px; }
.layout { display: grid; grid-template-columns: 240px minmax(0, 1fr); gap: 20px; padding: 20px; align-items: start; }
nav h2, .checks h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 8px; }
nav section + section { margin-top: 24px; }
ul.issues, ul.outbox { list-style: none; margin: 0; padding: 0; }
ul.issues li, ul.outbox li { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 5px 8px; border-radius: 6px; }
ul.issues a[aria-current], ul.outbox a[aria-current] { font-weight: 700; color: var(--fg); }
ul.issues li:has(a[aria-current]), ul.outbox li:has(a[aria-current]) { background: #fff; box-shadow: 0 0 0 1px var(--line); }
.badge { font-size: 11.5px; border-radius: 10px; padding: 1px 8px; white-space: nowrap; border: 1px solid currentColor; }
.badge.error { color: var(--err); } .badge.warning { color: var(--warn); } .badge.ok { color: var(--ok); }
.badge.send { color: #1f4fa3; background: #e8effb; } .badge.send.stopped { color: var(--warn); background: none; }
.send-state { margin: 0 0 8px; padding: 6px 10px; border-radius: 6px; font-weight: 600; background: #e8effb; color: #1f4fa3; }
.send-state.due, .send-state.stopped { background: #fff4e5; color: #8a4b00; }
.email .frame.stale, .email .text.stale { opacity: 0.45; filter: grayscale(0.7); }
.muted { color: var(--muted); }
main { min-width: 0; }
main.single { padding: 20px; }
.inbox { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; max-width: 960px; }
.inbox .from { font-weight: 600; }
.inbox .subject { font-size: 16px; font-weight: 600; margin-top: 2px; }
.inbox .preheader { color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.inbox .file { font-size: 12px; margin-top: 6px; }
.headers { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
.headers dt { color: var(--muted); } .headers dd { margin: 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0; }
.toolbar [role=group] { display: inline-flex; }
.toolbar button, .toolbar .button { font: inherit; padding: 5px 12px; border: 1px solid var(--line); background: #fff; color: var(--fg); cursor: pointer; text-decoration: none; }
.toolbar [role=group] > :first-child { border-radius: 6px 0 0 6px; }
.toolbar [role=group] > :last-child { border-radius: 0 6px 6px 0; }
.toolbar [role=group] > :only-child { border-radius: 6px; }
.toolbar [role=group] > * + * { border-left: 0; }
.toolbar button[aria-pressed=true], .toolbar .button[aria-current] { background: #24292f; color: #fff; border-color: #24292f; }
.email .frame { background: #e9ecef; border: 1px solid var(--line); border-radius: 8px; padding: 12px; display: flex; justify-content: center; overflow: auto; max-width: 960px; }
.email iframe { display: block; border: 0; background: #fff; height: 75vh; width: 100%; min-width: 620px; color-scheme: light; }
body[data-width=phone] .email iframe { width: 375px; min-width: 375px; }
body[data-scheme=dark] .email iframe { background: #0d1117; }
.email .text { display: none; margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; white-space: pre-wrap; word-wrap: break-word; max-width: 960px; font-size: 13px; }
body[data-width=phone] .email .text { max-width: 375px; }
body[data-scheme=dark] .email .text { background: #0d1117; color: #e6edf3; }
body[data-tab=text] .email .frame { display: none; }
body[data-tab=text] .email .text { display: block; }
.message { padding: 14px 16px; border-radius: 8px; max-width: 960px; }
.message.error { background: #ffebe9; border: 1px solid #ff8182; color: #82071e; }
.checks { margin-top: 14px; max-width: 960px; }
.checks ul { max-height: 30vh; overflow: auto; }
.checks ul { list-style: none; margin: 0; padding: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
.checks li { padding: 8px 12px; border-top: 1px solid var(--line); }
.checks li:first-child { border-top: 0; }
.checks .sev { font-weight: 600; text-transform: uppercase; font-size: 11px; }
.checks li.error .sev { color: var(--err); } .checks li.warning .sev { color: var(--warn); }
.checks .hint { color: var(--muted); }
`;
