import fs from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'bounces');

export interface FixtureValues {
  /** Where the report was delivered (the return path the failed message carried). */
  to: string;
  /** The member the failed message was for. */
  rcpt: string;
  /** The failed message's Message-ID, with angle brackets. */
  msgid: string;
  /** The failed message's envelope sender, as its returned headers show it. */
  returnPath?: string;
}

/** A report as the MTA or provider writes it, about one of our messages, with CRLF line ends. */
export function fixture(name: string, v: FixtureValues): Buffer {
  const text = fs
    .readFileSync(path.join(FIXTURES, name), 'latin1')
    .replaceAll('{{TO}}', v.to)
    .replaceAll('{{RCPT}}', v.rcpt)
    .replaceAll('{{MSGID}}', v.msgid)
    .replaceAll('{{RETURN_PATH}}', v.returnPath ?? v.to);
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
}
