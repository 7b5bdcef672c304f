import type { Issue, IssueEvent } from './schema';

export interface LocatedEvent {
  event: IssueEvent;
  /** Where the event sits in the file, e.g. ['sections', 0, 'events', 2]. */
  path: (string | number)[];
}

/** Featured events first, then each section's, in file order. */
export function* eachEvent(issue: Issue): Generator<LocatedEvent> {
  for (const [i, event] of (issue.featured ?? []).entries()) yield { event, path: ['featured', i] };
  for (const [s, section] of (issue.sections ?? []).entries()) {
    for (const [i, event] of section.events.entries()) yield { event, path: ['sections', s, 'events', i] };
  }
}

/**
 * The event's stable id: its `id:`, or the title and start date made into a slug. Calendar UIDs
 * are built from it, so a corrected time updates the entry members already added.
 */
export function eventId(event: IssueEvent): string {
  if (event.id) return event.id;
  const slug = event.title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${event.start.slice(0, 10)}-${slug || 'event'}`;
}
