import type { Problem } from '../util/problems';
import type { YamlFile } from '../util/yaml-file';
import type { Issue } from './schema';

/** An issue already sent, as the store remembers it (and its file, when it is still in issues/). */
export interface SentIssue {
  slug: string;
  subject: string;
  /** When it went out, in words for the editor ("Monday, March 22, 2021"). */
  when: string;
  issue?: Issue;
}

/**
 * What an issue says, without the dates that a copy of last week's file gets changed first:
 * the subject, texts, events' titles, places and links.
 */
export function contentFingerprint(issue: Issue): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => !['week_of', 'send_at', 'start', 'end', 'id'].includes(k))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, strip(v)]),
      );
    }
    return typeof value === 'string' ? value.trim().replace(/\s+/g, ' ') : value;
  };
  const { title: _title, ...rest } = issue;
  return JSON.stringify(strip(rest));
}

/**
 * A warning when this issue repeats one already sent: the same content (the copied file), or at
 * least the same subject. Names the issue and when it went out. Pure: the caller reads the store.
 */
export function lintRepeat(issue: Issue, slug: string, yf: Pick<YamlFile, 'file' | 'locate'>, sent: readonly SentIssue[]): Problem[] {
  const others = sent.filter((s) => s.slug !== slug);
  const mine = contentFingerprint(issue);
  const same = others.find((s) => s.issue && contentFingerprint(s.issue) === mine);
  const problem = (message: string, hint: string): Problem[] => {
    const { line, col } = yf.locate(['subject']);
    return [{ severity: 'warning', file: yf.file, line, col, path: 'subject', message, hint }];
  };
  if (same) return problem(`this issue says the same as ${same.slug}, sent ${same.when}`, 'was it copied from that file and not yet updated?');
  const subject = others.find((s) => s.subject.trim().toLowerCase() === issue.subject.trim().toLowerCase());
  if (subject) return problem(`the subject is the same as ${subject.slug}'s, sent ${subject.when}`, 'members may take it for last week\'s email; give it its own subject');
  return [];
}
