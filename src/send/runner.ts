import type { ClaimedDelivery, Ledger, Outcome } from './ledger';
import type { Failure } from './smtp-errors';
import type { Transport } from './transport';

/** Outcomes are committed in groups of this many (a crash leaves at most these rows `sending`). */
const RECORD_BATCH = 50;
/** Never wait longer than this in one sleep, so Ctrl-C and lease renewal stay responsive. */
const MAX_SLEEP_MS = 5_000;
/** Retry backoff never grows past this. */
const MAX_BACKOFF_MS = 30 * 60_000;
/**
 * Progress is reported at most this often (and once at the end): a report counts the send's
 * rows, a scan that takes milliseconds at 100,000 subscribers; after every group it made a large
 * send quadratic.
 */
const PROGRESS_INTERVAL_MS = 250;

export interface RunnerOptions {
  ledger: Ledger;
  transport: Transport;
  sendId: number;
  /** Envelope sender: one address, or one per delivery (a VERP return path, src/bounces/verp.ts). */
  from: string | ((deliveryId: number) => string);
  /** Builds the recipient's message from the issue rendered once. */
  makeMessage: (delivery: ClaimedDelivery) => Promise<{ raw: Buffer; messageId: string }>;
  /** Deliveries claimed but not yet recorded, at most; also bounds what a kill can leave `unknown`. */
  window: number;
  maxErrors: number;
  maxAttempts: number;
  /** First retry delay; doubles with each attempt. */
  retryBaseMs: number;
  /** Aborted by the first Ctrl-C: take no new work, finish and record what is in flight. */
  signal: AbortSignal;
  now?: () => Date;
  /** Called after each group of outcomes is committed. */
  onProgress?: () => void;
}

export type RunnerResult =
  | { status: 'done' }
  | { status: 'interrupted' }
  | { status: 'stopped'; reason: string };

/**
 * Delivers a send's pending rows: claims them durably (`sending`) before they go on the wire,
 * sends through the transport (which applies the connection count and rate), and records each
 * outcome. Runs until nothing is pending, the send is stopped, or the signal aborts.
 */
export async function runDeliveries(opts: RunnerOptions): Promise<RunnerResult> {
  const now = opts.now ?? (() => new Date());
  const inflight = new Set<Promise<void>>();
  let results: { id: number; outcome: Outcome }[] = [];
  let errors = 0;
  let stopReason: string | undefined;

  // Outcomes are committed one group at a time, in order; `flushing` chains the commits.
  let flushing: Promise<void> = Promise.resolve();
  let reportedAt = 0;
  const flush = (final = false): Promise<void> => {
    if (results.length > 0) {
      const group = results;
      results = [];
      flushing = flushing.then(async () => {
        await opts.ledger.record(group, now());
        if (Date.now() - reportedAt >= PROGRESS_INTERVAL_MS) {
          reportedAt = Date.now();
          opts.onProgress?.();
        }
      });
    }
    if (final) flushing = flushing.then(() => opts.onProgress?.());
    return flushing;
  };

  const outcomeOf = (d: ClaimedDelivery, failure: Failure): Outcome => {
    switch (failure.kind) {
      case 'permanent':
        errors++;
        return { to: 'failed', reply: failure.reply, bounce: failure.bounce };
      case 'ambiguous':
        errors++;
        return { to: 'unknown', reply: failure.reply };
      case 'fatal':
        stopReason ??= failure.reason === 'auth' ? `the SMTP server refused the login: ${failure.reply}` : `the SMTP server cannot be reached: ${failure.reply}`;
        return { to: 'pending', reply: failure.reply, retryAt: now() };
      case 'transient':
        if (d.attempts >= opts.maxAttempts) {
          errors++;
          return { to: 'failed', reply: `gave up after ${d.attempts} attempts: ${failure.reply}`, bounce: false };
        }
        return { to: 'pending', reply: failure.reply, retryAt: new Date(now().getTime() + backoff(opts.retryBaseMs, d.attempts)) };
    }
  };

  const deliver = async (d: ClaimedDelivery): Promise<Outcome> => {
    const { raw, messageId } = await opts.makeMessage(d);
    const from = typeof opts.from === 'function' ? opts.from(d.id) : opts.from;
    const result = await opts.transport.send({ from, to: d.address, raw, sequence: d.id });
    if (result.ok) return { to: 'sent', reply: result.reply, messageId };
    return outcomeOf(d, result.failure);
  };

  const start = (d: ClaimedDelivery) => {
    const p: Promise<void> = deliver(d)
      .catch((err: unknown): Outcome => {
        // A message that could not even be built is this program's fault, not the server's.
        errors++;
        return { to: 'failed', reply: `could not build the message: ${(err as Error).message}`, bounce: false };
      })
      .then((outcome) => {
        results.push({ id: d.id, outcome });
        if (results.length >= RECORD_BATCH) void flush();
        if (errors > opts.maxErrors) stopReason ??= `more than ${opts.maxErrors} deliveries failed (max_errors in newsletter.yaml)`;
        inflight.delete(p);
      });
    inflight.add(p);
  };

  while (!opts.signal.aborted && !stopReason) {
    // Refill when half the window is free: fewer, larger claims (each is a durable commit).
    const room = opts.window - inflight.size;
    if (room >= Math.ceil(opts.window / 2)) {
      await flush();
      const claimed = await opts.ledger.claim(opts.sendId, room, now());
      for (const d of claimed) start(d);
      if (claimed.length === 0 && inflight.size === 0) {
        const next = await opts.ledger.nextRetryAt(opts.sendId);
        if (!next) break;
        await sleep(Math.min(Math.max(next.getTime() - now().getTime(), 0), MAX_SLEEP_MS), opts.signal);
        continue;
      }
    }
    if (inflight.size > 0) await Promise.race(inflight);
  }

  await Promise.all(inflight);
  await flush(true);
  if (stopReason) return { status: 'stopped', reason: stopReason };
  if (opts.signal.aborted) return { status: 'interrupted' };
  return { status: 'done' };
}

/** Exponential backoff with ±20% jitter, so retries from many connections do not arrive together. */
export function backoff(baseMs: number, attempts: number): number {
  const exp = Math.min(baseMs * 2 ** Math.max(attempts - 1, 0), MAX_BACKOFF_MS);
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
