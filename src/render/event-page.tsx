import type { EventView, IssueView } from '../issue/view';
import { shortCode } from './calendar-links';

/**
 * An event's "Add to calendar" page (`e/<code>.html` among the issue's published files, at
 * `<site_url>/issues/<issue>/e/<code>.html`): the one short link the email and the plain text carry per
 * event, so neither repeats four calendar links under every event. It offers Google Calendar,
 * Outlook.com, Office 365 and the event's .ics (Apple Calendar, Outlook on the desktop), and
 * leads back to the event in the web version. A static page, the same for everyone: no script,
 * nothing personal, every value escaped by React.
 */

export function eventPages(view: IssueView): Record<string, string> {
  const pages: Record<string, string> = {};
  const owner = new Map<string, string>();
  for (const e of [...view.featured, ...view.sections.flatMap((s) => s.events)]) {
    const name = eventPageAsset(e.id);
    // Ids are unique in an issue (check refuses duplicates); two ids with one short code would be a hash collision.
    if (owner.has(name) && owner.get(name) !== e.id) throw new Error(`events "${owner.get(name)}" and "${e.id}" have the same short code; give one of them another id`);
    owner.set(name, e.id);
    pages[name] = eventPage(view, e);
  }
  return pages;
}

/** The page's name among the issue's published files, and its address under the issue's web folder: `e/<short code>.html`. */
export function eventPageAsset(id: string): string {
  return `e/${shortCode(id)}.html`;
}

function css(color: string): string {
  return `
:root { color-scheme: light dark; }
* { box-sizing: border-box; }
body { margin: 0; padding: 32px 16px; font: 17px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; background: #f3f4f6; color: #1f2328; }
main { max-width: 480px; margin: 0 auto; background: #fff; border-top: 6px solid ${color}; border-radius: 8px; padding: 24px 20px; overflow-wrap: break-word; }
.publication { margin: 0 0 4px; font-size: 14px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; color: #57606a; }
h1 { margin: 0 0 8px; font-size: 24px; line-height: 1.25; }
.when { margin: 0 0 4px; font-weight: 700; }
.where { margin: 0 0 20px; }
a { color: inherit; }
h2 { margin: 0 0 10px; font-size: 15px; text-transform: uppercase; letter-spacing: .05em; color: #57606a; }
ul { list-style: none; margin: 0 0 20px; padding: 0; }
li { margin: 0 0 10px; }
.option { display: block; padding: 12px 16px; border: 2px solid ${color}; border-radius: 6px; text-decoration: none; font-weight: 700; }
.option small { display: block; font-weight: 400; font-size: 14px; color: #57606a; }
.back { font-size: 15px; margin: 0; }
@media (prefers-color-scheme: dark) {
  body { background: #0d1117; color: #e6edf3; }
  main { background: #161b22; }
  .publication, h2, .option small { color: #a1a1aa; }
}
`;
}

function eventPage(view: IssueView, e: EventView): string {
  const pub = view.publication;
  const where = e.place ? `${e.place.name}${e.place.address ? ` – ${e.place.address}` : ''}` : e.online ? `Online: ${e.online}` : undefined;
  const options = [
    { label: 'Google Calendar', note: 'Opens Google Calendar with the event filled in', href: e.calendar.google },
    { label: 'Outlook.com', note: 'Personal Microsoft accounts (Hotmail, Live, Outlook.com)', href: e.calendar.outlook },
    { label: 'Office 365', note: 'Work or school Microsoft accounts', href: e.calendar.office365 },
    { label: 'Apple Calendar, Outlook on the desktop (.ics)', note: 'Downloads the event as a calendar file', href: e.calendar.ics },
  ];
  return (
    '<!doctype html>' +
    // Loaded here, not with the module: the store reaches this file, and `status` needs no React.
    (require('react-dom/server') as typeof import('react-dom/server')).renderToStaticMarkup(
      <html lang={view.lang}>
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{`Add to calendar: ${e.title}`}</title>
          <style dangerouslySetInnerHTML={{ __html: css(pub.color) }} />
        </head>
        <body>
          <main>
            <p className="publication">{pub.name}</p>
            <h1>{e.title}</h1>
            <p className="when">{e.when}</p>
            {where ? <p className="where">{e.place ? <a href={e.place.mapUrl}>{where}</a> : where}</p> : <p className="where" />}
            <h2>Add to calendar</h2>
            <ul>
              {options.map((o) => (
                <li key={o.label}>
                  <a className="option" href={o.href}>
                    {o.label}
                    <small>{o.note}</small>
                  </a>
                </li>
              ))}
            </ul>
            <p className="back">
              <a href={`${view.urls.web}#${e.anchor}`}>Back to {view.title}</a>
            </p>
          </main>
        </body>
      </html>,
    )
  );
}
