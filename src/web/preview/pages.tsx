import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { Engine } from '../../config';
import type { Problem } from '../../util/problems';
import type { OutboxListing, OutboxMessage } from './outbox';
import type { IssueEntry, IssuePreview, SendState } from './project';

/**
 * The preview's pages, rendered with React on the server: every value (titles, subjects, file
 * names, error messages) goes through React's escaping, never through string concatenation.
 * Parts marked data-live are swapped in place by the client script when a file changes.
 */

export const ENGINES: readonly Engine[] = ['react', 'mjml'];
const ENGINE_LABELS: Record<Engine, string> = { react: 'React Email', mjml: 'MJML' };

export interface IssueListItem {
  entry: IssueEntry;
  errors: number;
  warnings: number;
  /** From the store: sent, sending, stopped, or due at its send_at. */
  send?: SendState;
}

export function issueHref(slug: string, engine?: Engine): string {
  return `/issues/${encodeURIComponent(slug)}${engine ? `?engine=${engine}` : ''}`;
}

export function emailHref(p: Pick<IssuePreview, 'slug' | 'engine' | 'version'>): string {
  return `/issues/${encodeURIComponent(p.slug)}/email.html?engine=${p.engine}&v=${encodeURIComponent(p.version ?? '')}`;
}

function outboxHref(slug: string, name: string): string {
  return `/outbox/${encodeURIComponent(slug)}/${encodeURIComponent(name)}`;
}

function page(title: string, body: ReactNode, data: Record<string, string> = {}): string {
  const attrs = Object.fromEntries(Object.entries(data).map(([k, v]) => [`data-${k}`, v]));
  return (
    '<!doctype html>' +
    renderToStaticMarkup(
      <html lang="en">
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{title}</title>
          <link rel="stylesheet" href="/assets/preview.css" />
          <script src="/assets/preview.js" defer />
        </head>
        <body {...attrs}>{body}</body>
      </html>,
    )
  );
}

function TopBar({ name }: { name?: string }) {
  return (
    <header className="bar">
      <a className="brand" href="/">
        newsletter preview
      </a>
      {name ? <span className="pub">{name}</span> : null}
      <span id="live" className="live" aria-live="polite" />
    </header>
  );
}

function IssueList({ items, current, engine }: { items: IssueListItem[]; current?: string; engine?: Engine }) {
  return (
    <section id="issues" data-live="">
      <h2>Issues</h2>
      {items.length === 0 ? (
        <p className="muted">
          No issues yet: add one to <code>issues/</code>, named for its week (<code>issues/2021-03-29.yaml</code>).
        </p>
      ) : (
        <ul className="issues">
          {items.map(({ entry, errors, warnings, send }) => (
            <li key={entry.slug}>
              <a href={issueHref(entry.slug, engine)} aria-current={entry.slug === current ? 'page' : undefined}>
                {entry.slug}
              </a>{' '}
              <Status errors={errors} warnings={warnings} send={send} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Status({ errors, warnings, send }: { errors: number; warnings: number; send?: SendState }) {
  // What went out matters more than what the file says now: a sent issue is never "ok".
  if (send && (send.kind === 'sent' || send.kind === 'sending' || send.kind === 'stopped')) {
    return (
      <span className={`badge send ${send.kind}`} title={send.text}>
        {send.kind}
      </span>
    );
  }
  if (errors) return <span className="badge error">{plural(errors, 'error')}</span>;
  if (warnings) return <span className="badge warning">{plural(warnings, 'warning')}</span>;
  return <span className="badge ok">ok</span>;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function OutboxList({ listing, current }: { listing?: OutboxListing; current?: string }) {
  return (
    <section id="outbox" data-live="">
      {listing ? (
        <>
          <h2>Outbox</h2>
          <p className="muted">
            {plural(listing.total, 'message')} in <code>outbox/{listing.slug}/</code>
            {listing.total > listing.files.length ? ` (first ${listing.files.length} listed)` : ''}
          </p>
          <ul className="outbox">
            {listing.files.map((name) => (
              <li key={name}>
                <a href={outboxHref(listing.slug, name)} aria-current={name === current ? 'page' : undefined}>
                  {name}
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function Toolbar({ engine, slug }: { engine?: Engine; slug?: string }) {
  return (
    <div className="toolbar">
      <div role="group" aria-label="Width">
        <button type="button" data-width="desktop">
          Desktop
        </button>
        <button type="button" data-width="phone">
          Phone (375 px)
        </button>
      </div>
      <div role="group" aria-label="Part">
        <button type="button" data-tab="html">
          HTML
        </button>
        <button type="button" data-tab="text">
          Plain text
        </button>
      </div>
      <div role="group" aria-label="Colour scheme">
        <button type="button" data-dark="">
          Dark mode
        </button>
      </div>
      {slug && engine ? (
        <div role="group" aria-label="Engine">
          {ENGINES.map((e) => (
            <a key={e} className="button" href={issueHref(slug, e)} aria-current={e === engine ? 'true' : undefined}>
              {ENGINE_LABELS[e]}
            </a>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function Checks({ problems }: { problems: Problem[] }) {
  const errors = problems.filter((p) => p.severity === 'error').length;
  return (
    <section id="checks" data-live="" className="checks">
      <h2>
        Checks: {plural(errors, 'error')}, {plural(problems.length - errors, 'warning')}
      </h2>
      {problems.length ? (
        <ul>
          {problems.map((p, i) => (
            <li key={i} className={p.severity}>
              <code className="where">
                {p.file}:{p.line}:{p.col}
              </code>{' '}
              <span className="sev">{p.severity}</span> {p.path ? `${p.path}: ` : ''}
              {p.message}
              {p.hint ? <span className="hint"> ({p.hint})</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Nothing to fix.</p>
      )}
    </section>
  );
}

/** The calendar comparison (`check --feeds`) is asked for, since it reads the network. */
function CalendarCompare({ preview }: { preview: IssuePreview }) {
  const compared = preview.comparedWithCalendars;
  const href = `${issueHref(preview.slug)}?${new URLSearchParams({ engine: preview.engine, feeds: '1' })}`;
  return (
    <p id="calendar-compare" data-live="" className="muted">
      {compared === undefined ? (
        <a href={href}>Compare with the calendars</a>
      ) : compared.length ? (
        <>Compared with {compared.join(', ')} (the warnings above). <a href={href}>Compare again</a></>
      ) : (
        <>No event came from a calendar (no `# calendar:` comments): nothing to compare.</>
      )}
    </p>
  );
}

function EmailArea({ preview }: { preview: IssuePreview }) {
  let content: ReactNode;
  if (preview.html === undefined && preview.lastGood && !preview.renderError) {
    const href = emailHref({ ...preview, version: preview.lastGood.version });
    content = (
      <>
        <div className="message error" role="alert">
          <strong>This issue has errors.</strong> Below, dimmed, is the last version that worked; fix the errors (listed above) and it comes back as soon as the file is saved.
        </div>
        <div className="frame stale" aria-label="The last version that worked">
          <iframe id="email" title="The email (last version that worked)" src={href} data-src={href} sandbox="allow-popups allow-popups-to-escape-sandbox" referrerPolicy="no-referrer" />
        </div>
        <pre id="text" className="text stale">
          {preview.lastGood.text}
        </pre>
      </>
    );
  } else if (preview.html !== undefined) {
    content = (
      <>
        <div className="frame">
          <iframe id="email" title="The email" src={emailHref(preview)} data-src={emailHref(preview)} sandbox="allow-popups allow-popups-to-escape-sandbox" referrerPolicy="no-referrer" />
        </div>
        <pre id="text" className="text">
          {preview.text}
        </pre>
      </>
    );
  } else if (preview.renderError) {
    content = (
      <div className="message error" role="alert">
        <strong>The {ENGINE_LABELS[preview.engine]} engine could not render this issue:</strong> {preview.renderError}
      </div>
    );
  } else {
    content = (
      <div className="message error" role="alert">
        <strong>This issue has errors.</strong> Fix them (listed above) and the email appears here as soon as the file is saved.
      </div>
    );
  }
  return (
    <section id="email-area" data-live="" className="email">
      {content}
    </section>
  );
}

function Inbox({ preview, sendState }: { preview: IssuePreview; sendState?: SendState }) {
  return (
    <section id="inbox" data-live="" className="inbox" aria-label="As the inbox shows it">
      {sendState ? (
        <div className={`send-state ${sendState.kind}`} role="status">
          {sendState.text}
        </div>
      ) : null}
      <div className="from">{preview.from ?? '—'}</div>
      <div className="subject">{preview.subject ?? '(no subject: the issue has errors)'}</div>
      <div className="preheader">{preview.preheader ?? (preview.subject ? '(no preheader: the inbox shows the first words of the email)' : '')}</div>
      <div className="file muted">
        {preview.file} · {ENGINE_LABELS[preview.engine]}
      </div>
    </section>
  );
}

export function issuePage(o: { name?: string; items: IssueListItem[]; preview: IssuePreview; outbox?: OutboxListing; sendState?: SendState }): string {
  const { preview } = o;
  return page(
    `${preview.subject ?? preview.slug} — preview`,
    <>
      <TopBar name={o.name} />
      <div className="layout">
        <nav>
          <IssueList items={o.items} current={preview.slug} engine={preview.engine} />
          <OutboxList listing={o.outbox} />
        </nav>
        <main>
          <Inbox preview={preview} sendState={o.sendState} />
          <Checks problems={preview.problems} />
          <CalendarCompare preview={preview} />
          <Toolbar engine={preview.engine} slug={preview.slug} />
          <EmailArea preview={preview} />
        </main>
      </div>
    </>,
    { slug: preview.slug, engine: preview.engine },
  );
}

export function homePage(o: { name?: string; items: IssueListItem[]; problems: Problem[] }): string {
  return page(
    'newsletter preview',
    <>
      <TopBar name={o.name} />
      <div className="layout">
        <nav>
          <IssueList items={o.items} />
        </nav>
        <main>
          <p className="muted">Pick an issue on the left.</p>
          {o.problems.length ? <Checks problems={o.problems} /> : null}
        </main>
      </div>
    </>,
  );
}

export function outboxPage(o: { name?: string; items: IssueListItem[]; message: OutboxMessage; listing?: OutboxListing }): string {
  const m = o.message;
  return page(
    `${m.subject} — outbox`,
    <>
      <TopBar name={o.name} />
      <div className="layout">
        <nav>
          <IssueList items={o.items} current={m.slug} />
          <OutboxList listing={o.listing} current={m.name} />
        </nav>
        <main>
          <section id="inbox" className="inbox" aria-label="Message headers">
            <dl className="headers">
              <dt>From</dt>
              <dd>{m.from}</dd>
              <dt>To</dt>
              <dd>{m.to}</dd>
              <dt>Subject</dt>
              <dd className="subject">{m.subject}</dd>
              <dt>Date</dt>
              <dd>{m.date ?? '—'}</dd>
            </dl>
            <div className="file muted">
              outbox/{m.slug}/{m.name}
            </div>
          </section>
          <Toolbar />
          <section className="email">
            {m.html !== undefined ? (
              <div className="frame">
                <iframe id="email" title="The message" src={`${outboxHref(m.slug, m.name)}/email.html`} data-src={`${outboxHref(m.slug, m.name)}/email.html`} sandbox="allow-popups allow-popups-to-escape-sandbox" referrerPolicy="no-referrer" />
              </div>
            ) : (
              <div className="frame message muted">This message has no HTML part.</div>
            )}
            <pre id="text" className="text">
              {m.text ?? '(no plain-text part)'}
            </pre>
          </section>
        </main>
      </div>
    </>,
  );
}

export function notFoundPage(): string {
  return page('Not found — newsletter preview', (
    <>
      <TopBar />
      <main className="single">
        <h1>Not found</h1>
        <p>
          <a href="/">Back to the issues</a>
        </p>
      </main>
    </>
  ));
}

/** Shown inside the email frame when the engine has nothing to show. */
export function emailUnavailable(message: string): string {
  return '<!doctype html>' + renderToStaticMarkup(
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>No email</title>
      </head>
      <body style={{ fontFamily: 'sans-serif', padding: '16px' }}>{message}</body>
    </html>,
  );
}
