/**
 * Where an edition's files live under /issues/<issue>/, and their content types. A room of its
 * own so that the store and the server can name them without loading the renderers (which
 * `publish/edition` needs and `status` does not).
 */
export const WEB_VERSION_PATH = 'web.html';
export const WEEK_ICS_PATH = 'events.ics';
export const eventIcsPath = (eventId: string) => `events/${eventId}.ics`;
export const HTML_TYPE = 'text/html; charset=utf-8';
export const CALENDAR_TYPE = 'text/calendar; charset=utf-8';
