/**
 * Text from outside (an SMTP server's reply) is shown on a terminal and written to logs: its
 * control characters (C0, DEL, C1, and the bidirectional overrides) are escaped as \xNN or \u{…}
 * so that a hostile server can neither clear the screen, move the cursor, nor forge a line.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}
