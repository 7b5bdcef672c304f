/**
 * One segment of a request path, percent-decoded; undefined for anything that is not a plain name
 * (bad encoding, `.` or `..`, a slash, backslash or NUL once decoded). Both web servers match
 * routes on these and compare names with their own listings, so a request path never becomes a
 * file path; this is the one place that decides what a name may look like.
 */
export function decodePathSegment(raw: string): string | undefined {
  let part: string;
  try {
    part = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (part === '.' || part === '..' || /[/\\\0]/.test(part)) return undefined;
  return part;
}
