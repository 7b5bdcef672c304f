import { Readable } from 'node:stream';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { loadPublication } from '../../src/config';
import { loadIssueFile } from '../../src/issue/load';
import { buildView } from '../../src/issue/view';
import { renderIssue } from '../../src/render';
import { personaliseParts, prepareIssue } from '../../src/send/message';
import { fastTransparency, stuffDots, stuffOnce, withFastTransparency } from '../../src/send/smtp-transparency';
import { REPO_ROOT, SEED_ISSUE } from '../helpers/cli';

/**
 * The fast path of SMTP transparency must put exactly nodemailer's bytes on the wire: the same
 * stuffed dots, the same CRLF repairs, the same end, the same byte counts.
 */
async function through(stream: DataStream, chunks: readonly Buffer[]) {
  const out: Buffer[] = [];
  stream.on('data', (d: Buffer) => out.push(d));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  Readable.from(chunks, { objectMode: false }).pipe(stream);
  await ended;
  const counts = stream as unknown as { inByteCount: number; outByteCount: number };
  return { bytes: Buffer.concat(out), inByteCount: counts.inByteCount, outByteCount: counts.outByteCount };
}

async function expectSameAsDataStream(chunks: readonly Buffer[]) {
  const theirs = await through(new DataStream(), chunks);
  const ours = await through(fastTransparency(new DataStream()), chunks);
  expect(ours.bytes.equals(theirs.bytes)).toBe(true);
  expect([ours.inByteCount, ours.outByteCount]).toEqual([theirs.inByteCount, theirs.outByteCount]);
}

/** A deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('SMTP transparency: the fast path sends the same bytes as nodemailer', () => {
  test.each([
    ['plain CRLF lines', ['Subject: x\r\n\r\nhello\r\nworld\r\n']],
    ['a dot at the very start', ['.hidden\r\n']],
    ['a dot after a line end', ['a\r\n.b\r\n', '..c\r\n']],
    ['a dot at the start of the next chunk', ['a\r\n', '.b\r\n']],
    ['a CR at the end of a chunk, its LF in the next', ['a\r', '\nb\r\n']],
    ['a bare CR between chunks', ['a\r', 'b']],
    ['a bare CR before a dot (smuggling)', ['a\r.\rb']],
    ['a bare LF', ['a\nb\r\n']],
    ['an LF at the start of a chunk after a CR', ['a\r', '\n.b']],
    ['an LF first in the data', ['\nb']],
    ['no line end at the end', ['no newline']],
    ['a lone dot line', ['a\r\n.\r\nb\r\n']],
  ])('%s', async (_name, parts) => {
    await expectSameAsDataStream(parts.map((p) => Buffer.from(p, 'latin1')));
  });

  test('random bytes in random chunks, rich in CR, LF and dots', async () => {
    const next = random(21);
    const alphabet = [0x0d, 0x0a, 0x2e, 0x61, 0x0d, 0x0a];
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(next() * 200);
      const bytes = Buffer.from(Array.from({ length }, () => (next() < 0.7 ? alphabet[Math.floor(next() * alphabet.length)]! : 0x61)));
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(next() * 20);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      await expectSameAsDataStream(chunks);
      // The same chunks, some of them stuffed once as a shared skeleton piece is.
      await expectSameAsDataStream(chunks.map((c) => (next() < 0.5 ? stuffOnce(Buffer.from(c)) : c)));
    }
  });

  test('a piece stuffed once goes out as the same bytes in every message, with a leading dot decided per message', async () => {
    const piece = stuffOnce(Buffer.from('.starts with a dot\r\n.and another\r\nend', 'latin1'));
    for (const before of ['', 'x\r\n', 'x', 'x\r']) await expectSameAsDataStream([Buffer.from(before, 'latin1'), piece, Buffer.from('\r\n')].filter((b) => b.length > 0));
    const outputs: Buffer[][] = [];
    for (let i = 0; i < 2; i++) {
      const stream = fastTransparency(new DataStream());
      const out: Buffer[] = [];
      stream.on('data', (d: Buffer) => out.push(d));
      stream.end(piece);
      await new Promise((resolve) => stream.on('end', resolve));
      outputs.push(out);
    }
    // No new bytes per message: the stuffed piece itself is what both messages send.
    expect(outputs[0]![1]).toBe(outputs[1]![1]);
  });

  test("a whole newsletter message, as the transport sends it: nodemailer's bytes, all on the fast path", async () => {
    const pub = loadPublication(REPO_ROOT);
    const loaded = loadIssueFile(SEED_ISSUE, pub.timezone);
    const prepared = prepareIssue(await renderIssue(buildView(loaded.issue, pub, { slug: loaded.slug }), 'react'));
    const { parts } = await personaliseParts(prepared, { id: 7, address: 'ada@example.org', name: 'Ada .Lovelace' }, { publication: pub, slug: loaded.slug, unsubscribeUrl: 'https://news.example.org/u/x' });
    await expectSameAsDataStream(parts);
    // Every part takes the fast path (its line ends are CRLF), though the HTML has dot-led lines.
    let before: number | false = false;
    let stuffed = 0;
    for (const p of parts) {
      const out = stuffDots(p, before);
      expect(out).toBeDefined();
      stuffed += Buffer.concat(out!).length - p.length;
      // Views of the part, never a copy of it (a copy per message was memory waiting for the collector).
      for (const piece of out!) if (piece.length > 1) expect(piece.buffer).toBe(p.buffer);
      before = p[p.length - 1]!;
    }
    expect(stuffed).toBeGreaterThan(0);
  });

  test('every SMTP connection of the transport gets the fast path (fails if nodemailer renames its data stream factory)', () => {
    const smtp = new SMTPConnection({ host: '127.0.0.1', port: 1 });
    const factory = (smtp as unknown as { _createSendStream: unknown })._createSendStream;
    expect(typeof factory).toBe('function');
    withFastTransparency(smtp);
    expect((smtp as unknown as { _createSendStream: unknown })._createSendStream).not.toBe(factory);
  });
});
