import { contentHash } from '../../src/publish/edition';
import type { EditionContent } from '../../src/store/types';

/** A small edition for store tests: an HTML and text part, a web version and one event calendar. */
export function testEdition(overrides: Partial<EditionContent> = {}): EditionContent {
  const base = {
    subject: 'This week',
    preheader: null,
    title: 'Week of March 22, 2021',
    html: '<p>Hello</p><a href="%%UNSUBSCRIBE_URL%%">Unsubscribe</a>',
    text: 'Hello\nUnsubscribe: %%UNSUBSCRIBE_URL%%\n',
    engine: 'react',
    viewAt: '2021-03-21T12:00:00.000Z',
    assets: [
      { path: 'web.html', contentType: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><p>Hello</p>') },
      { path: 'events.ics', contentType: 'text/calendar; charset=utf-8', body: Buffer.from('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n') },
      { path: 'events/rally.ics', contentType: 'text/calendar; charset=utf-8', body: Buffer.from('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n') },
    ],
    ...overrides,
  };
  return { ...base, contentHash: overrides.contentHash ?? contentHash(base) };
}
