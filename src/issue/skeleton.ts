import { DateTime } from 'luxon';

/**
 * The skeleton's stand-in texts. Left in an issue, they would reach every member: `check` warns
 * about them while drafting and refuses them once the issue has a send_at or is being sent.
 */
export const SKELETON_PLACEHOLDERS = [
  'This week: …',
  'One line that inboxes show after the subject',
  'The headline event',
  'Place name',
  'Street address',
  'What it is and why members should come',
  'Where to park',
  'A meeting',
  'What the meeting is about',
] as const;

/** The Monday on or after `from`, in the publication's zone: the week `newsletter new` starts. */
export function nextWeekStart(from: DateTime): DateTime {
  const day = from.startOf('day');
  return day.weekday === 1 ? day : day.plus({ days: 8 - day.weekday });
}

/**
 * A new issue file for the week starting `week`: every field shown once, with comments, so the
 * editor fills in rather than remembers. It is a valid issue as written, but its stand-in texts and
 * example.org links (SKELETON_PLACEHOLDERS) are errors as soon as it is scheduled or sent.
 */
export function issueSkeleton(week: DateTime): string {
  const d = (days: number, time: string) => `${week.plus({ days }).toISODate()}T${time}`;
  return `# yaml-language-server: $schema=../issue.schema.json
# The issue for the week of ${week.toFormat('LLLL d, yyyy')}. Times are local (24-hour clock).
# Check it with: npx newsletter check issues/${week.toISODate()}.yaml
week_of: ${week.toISODate()}
subject: "This week: …"
preheader: "One line that inboxes show after the subject"
send_at: ${d(0, '07:00')}

intro: |
  The following list is only a highlight of what's happening this week. Please check out our
  [online calendar](https://example.org/calendar) for the full list!

featured:
  - title: "The headline event"
    start: ${d(1, '18:00')}
    end: ${d(1, '19:30')}
    location: { name: "Place name", address: "Street address" }
    description: |
      What it is and why members should come. **Markdown** works: emphasis, links, lists.
    details:
      - { label: Parking, text: "Where to park" }
    notes: [ "Masks encouraged." ]
    links:
      - { label: "RSVP", url: "https://example.org/rsvp" }

sections:
  - title: Meetings
    events:
      - title: "A meeting"
        start: ${d(3, '19:00')}
        end: ${d(3, '20:00')}
        online: Zoom
        description: What the meeting is about.
        links:
          - { label: "RSVP for Zoom details", url: "https://example.org/rsvp/meeting" }
`;
}
