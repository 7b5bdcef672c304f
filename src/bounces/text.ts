/**
 * Text from a report or a webhook is written to terminals, logs and the store: one line, no
 * control characters (an escape sequence in a Diagnostic-Code must not drive the editor's
 * terminal) and no bidirectional overrides (which could make an address read as another).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/** The text on one line, unsafe characters replaced by a space, at most `max` characters. */
export function oneLine(text: string, max = 300): string {
  const clean = text.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
