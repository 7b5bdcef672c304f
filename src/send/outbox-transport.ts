import fs from 'node:fs';
import path from 'node:path';
import { rawBytes, type OutgoingMessage, type SendHooks, type SendResult, type Transport } from './transport';

/**
 * With no SMTP_URL, messages are written to outbox/<issue>/<n>.eml through the same ledger, so the
 * whole pipeline runs with no server. Each file appears whole (written aside, then renamed).
 */
export function createOutboxTransport(root: string, slug: string): Transport {
  const dir = path.join(root, 'outbox', slug);
  fs.mkdirSync(dir, { recursive: true });
  return {
    description: path.join('outbox', slug),
    async send(message: OutgoingMessage, hooks?: SendHooks): Promise<SendResult> {
      try {
        await hooks?.onHandover?.();
      } catch (err) {
        return { ok: false, failure: { kind: 'transient', reply: `not written: ${(err as Error).message}`, throttle: false } };
      }
      const name = `${String(message.sequence).padStart(6, '0')}.eml`;
      const target = path.join(dir, name);
      const tmp = `${target}.tmp`;
      await fs.promises.writeFile(tmp, rawBytes(message.raw));
      await fs.promises.rename(tmp, target);
      return { ok: true, reply: `250 written to outbox/${slug}/${name}` };
    },
    async close() {},
  };
}
