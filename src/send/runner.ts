import { setMaxListeners } from 'node:events';
import { UserError } from '../util/errors';
import { LeaseLost, type ClaimedDelivery, type Ledger, type Outcome, type SharedPace } from './ledger';
import { afterOutcome, checkCaps, countAgainstCaps, initialPace, nextSlot, type CapCheck, type Caps, type PaceState } from './pace';
import { fatalAdvice, type Failure } from './smtp-errors';
import type { Transport } from './transport';

/** Outcomes are committed at least every this many (and with every hand-over mark). */
const RECORD_BATCH = 50;
/** Never wait longer than this in one sleep, so Ctrl-C and lease renewal stay responsive. */
const MAX_SLEEP_MS = 5_000;
/** Retry backoff never grows past this. */
const MAX_BACKOFF_MS = 30 * 60_000;
/**
 * A connection that closes before a message was handed over (a server that hangs up after each
 * 250, an idle timeout) is not the recipient's fault: the attempt is not counted. This many such
 * closes in a row, with nothing accepted in between, stop the send.
 */
const DROPS_PER_CONNECTION = 5;
/** A server that only throttles for this long (nothing accepted) stops the send. */
const THROTTLE_GIVE_UP_MS = 15 * 60_000;
/**
 * Progress is offered at most this often (and once at the end). The caller decides whether to
 * count the send's rows then: counting is spaced by its own cost (see progress.ts).
 */
const PROGRESS_INTERVAL_MS = 250;

export interface RunnerOptions {
  ledger: Ledger;
  transport: Transport;
  sendId: number;
  /** The lease owner: claims and commits are refused once another process took the send over. */
  owner: string;
  /** Envelope sender: one address, or one per delivery (a VERP return path, src/bounces/verp.ts). */
  from: string | ((deliveryId: number) => string);
  /** Builds the recipient's message from the issue rendered once. */
  makeMessage: (delivery: ClaimedDelivery) => Promise<{ raw: Buffer | readonly Buffer[]; messageId: string }>;
  /** Deliveries claimed but not yet recorded, at most. */
  window: number;
  /** Messages handed to the transport at once, at most (send.connections). */
  connections: number;
  /** Messages per second over all connections together (send.rate_per_second). */
  ratePerSecond: number;
  caps?: Caps;
  /** When messages went to the server in the last day, oldest first (for the caps), in ms. */
  capHistory?: number[];
  /** The store's pace shared by several senders (PostgreSQL); then `capHistory` is not used. */
  sharedPace?: SharedPace;
  maxErrors: number;
  maxAttempts: number;
  /** First retry delay; doubles with each attempt. */
  retryBaseMs: number;
  /** Aborted by the first Ctrl-C (or SIGTERM, SIGHUP): take no new work, finish and record what is in flight. */
  signal: AbortSignal;
  now?: () => Date;
  /** Called after each group of outcomes is committed. */
  onProgress?: (final: boolean) => void;
}

/** Why a run stopped before its end: each cause has its own advice in the CLI. */
export type StopCause = 'server' | 'errors' | 'bounces' | 'build' | 'store' | 'lease';

export type RunnerResult =
  | { status: 'done' }
  | { status: 'interrupted' }
  | { status: 'stopped'; cause: StopCause; reason: string }
  | { status: 'paused'; cap: 'max_per_hour' | 'max_per_day'; limit: number; resumeAt: Date };

/**
 * Delivers a send's pending rows: claims them (`sending`), waits for a connection and the rate's
 * next slot, marks each durably as on the wire just before its data goes to the server, and
 * records each outcome. Runs until nothing is pending, the send stops or pauses, or the signal
 * aborts. It never throws for a store, build or server fault: those end the run as `stopped`, and
 * the rows not handed over stay (or go back to) `pending`.
 */
export async function runDeliveries(opts: RunnerOptions): Promise<RunnerResult> {
  const now = opts.now ?? (() => new Date());
  const halt = new AbortController();
  // Every delivery waiting for a connection or its slot listens to it: as many as the window.
  setMaxListeners(0, halt.signal);
  const onAbort = () => halt.abort();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  if (opts.signal.aborted) halt.abort();
  // Taking new work ends on a halt, and also on a cap pause; a message that already passed the
  // cap check still goes (it is counted), so a pause neither overshoots nor undershoots its cap.
  const intake = new AbortController();
  setMaxListeners(0, intake.signal);
  halt.signal.addEventListener('abort', () => intake.abort(), { once: true });
  if (halt.signal.aborted) intake.abort();

  let ending: RunnerResult | undefined;
  const stop = (cause: StopCause, reason: string) => {
    ending ??= { status: 'stopped', cause, reason };
    halt.abort();
  };
  const storeFailed = (err: unknown) => {
    if (err instanceof LeaseLost) stop('lease', err.message);
    else stop('store', storeMessage(err));
  };

  const committer = new Committer(
    (outcomes, handedOver) => opts.ledger.commit({ sendId: opts.sendId, owner: opts.owner, outcomes, handedOver, now: now() }),
    storeFailed,
    opts.onProgress,
  );

  const connections = new Semaphore(Math.max(1, opts.connections));
  let pace: PaceState = initialPace(opts.ratePerSecond, Date.now());
  const capTimes = [...(opts.capHistory ?? [])];
  let errors = 0;
  const recent: boolean[] = [];
  let throttledSince: number | undefined;
  let drops = 0;

  const notSent = (why: string): Outcome => ({ to: 'pending', reply: `not sent: ${why}`, retryAt: now(), refund: true });

  const outcomeOf = (d: ClaimedDelivery, failure: Failure, startedAt: number): Outcome => {
    pace = afterOutcome(pace, { throttled: failure.kind === 'transient' && failure.throttle, startedAt }, Date.now());
    switch (failure.kind) {
      case 'bounce':
      case 'permanent':
        errors++;
        noteBounce(recent, failure.kind === 'bounce');
        if (bounceStorm(recent)) stop('bounces', `${recent.filter(Boolean).length} of the last ${recent.length} recipients were refused as unknown or disabled, far above a list's normal rate (the last: ${failure.reply})`);
        return { to: 'failed', reply: failure.reply, bounce: failure.kind === 'bounce' };
      case 'ambiguous':
        errors++;
        return { to: 'unknown', reply: failure.reply };
      case 'fatal':
        stop('server', fatalAdvice(failure.reason, failure.reply));
        return { to: 'pending', reply: failure.reply, retryAt: now(), refund: true };
      case 'transient':
        if (failure.throttle) {
          throttledSince ??= Date.now();
          if (Date.now() - throttledSince > THROTTLE_GIVE_UP_MS) stop('server', `the SMTP server has only throttled for ${THROTTLE_GIVE_UP_MS / 60_000} minutes: ${failure.reply}`);
          return { to: 'pending', reply: failure.reply, retryAt: new Date(now().getTime() + pace.intervalMs), refund: true };
        }
        if (failure.connection) {
          drops++;
          if (drops > DROPS_PER_CONNECTION * Math.max(1, opts.connections) + 5) stop('server', `the SMTP server keeps closing the connection before taking a message: ${failure.reply}`);
          return { to: 'pending', reply: failure.reply, retryAt: new Date(now().getTime() + backoff(opts.retryBaseMs, 1)), refund: true };
        }
        if (d.attempts >= opts.maxAttempts) {
          errors++;
          return { to: 'failed', reply: `gave up after ${d.attempts} attempts in this run: ${failure.reply}`, bounce: false };
        }
        return { to: 'pending', reply: failure.reply, retryAt: new Date(now().getTime() + backoff(opts.retryBaseMs, d.attempts)) };
    }
  };

  const pause = (cap: Exclude<CapCheck, { ok: true }>): string => {
    ending ??= { status: 'paused', cap: cap.cap, limit: cap.limit, resumeAt: new Date(cap.resumeAt) };
    intake.abort();
    return `${cap.cap} reached`;
  };

  /**
   * Waits for this message's start: within the caps, at the rate's next slot. Resolves 'go', or
   * why the message does not go. The message counts against the caps from the moment it passes
   * the check: with several connections, others check while this one waits for its rate slot.
   */
  const awaitSlot = async (): Promise<'go' | string> => {
    const shared = opts.sharedPace;
    if (shared) {
      // Several senders (PostgreSQL): the store hands out the slots, so the limits hold over all of them.
      let reserved: Awaited<ReturnType<SharedPace['reserve']>>;
      try {
        reserved = await shared.reserve(pace.intervalMs, opts.caps ?? {});
      } catch (err) {
        storeFailed(err);
        return 'the store failed';
      }
      if (!reserved.ok) return pause(reserved);
      if (await sleepUntil(Date.now() + reserved.waitMs, halt.signal)) return 'go';
      await shared.refund(reserved.slot).catch(() => undefined);
      return 'the run stopped first';
    }
    const cap = checkCaps(capTimes, now().getTime(), opts.caps ?? {});
    if (!cap.ok) return pause(cap);
    const counted = now().getTime();
    countAgainstCaps(capTimes, counted, opts.caps ?? {});
    const slot = nextSlot(pace, Date.now());
    pace = slot.state;
    if (await sleepUntil(slot.at, halt.signal)) return 'go';
    const at = capTimes.lastIndexOf(counted);
    if (at >= 0) capTimes.splice(at, 1);
    return 'the run stopped first';
  };

  const deliver = async (d: ClaimedDelivery): Promise<Outcome> => {
    let message: { raw: Buffer | readonly Buffer[]; messageId: string };
    try {
      message = await opts.makeMessage(d);
    } catch (err) {
      // A message that cannot be built is this program's fault (or its configuration's), never the recipient's.
      stop('build', `could not build the message for ${d.address}: ${(err as Error)?.message ?? String(err)}`);
      return notSent('the message could not be built');
    }
    const release = await connections.acquire(halt.signal);
    if (!release) return notSent('the run stopped first');
    try {
      const slot = await awaitSlot();
      if (slot !== 'go') return notSent(slot);
      const startedAt = Date.now();
      const from = typeof opts.from === 'function' ? opts.from(d.id) : opts.from;
      const result = await opts.transport.send({ from, to: d.address, raw: message.raw, sequence: d.id }, { onHandover: () => committer.handover(d.id) });
      if (result.ok) {
        throttledSince = undefined;
        drops = 0;
        pace = afterOutcome(pace, { throttled: false, startedAt }, Date.now());
        noteBounce(recent, false);
        return { to: 'sent', reply: result.reply, messageId: message.messageId };
      }
      return outcomeOf(d, result.failure, startedAt);
    } finally {
      release();
    }
  };

  const inflight = new Set<Promise<void>>();
  // The loop waits for the next delivery to end. (`Promise.race(inflight)` attached a reaction to
  // every delivery in flight on each turn, each kept until its delivery ended: thousands of
  // objects a second, many of them old enough to outlive young collections.)
  let wakeLoop: (() => void) | undefined;
  let loopFault: { err: unknown } | undefined;
  const oneEnded = () => new Promise<void>((resolve) => (wakeLoop = resolve));
  const ended = (p: Promise<void>) => {
    inflight.delete(p);
    wakeLoop?.();
    wakeLoop = undefined;
  };
  const start = (d: ClaimedDelivery) => {
    const p: Promise<void> = deliver(d)
      .catch((err: unknown): Outcome => {
        stop('build', `unexpected fault while sending to ${d.address}: ${(err as Error)?.message ?? String(err)}`);
        return notSent('unexpected fault');
      })
      .then((outcome) => {
        committer.add(d.id, outcome);
        if (errors > opts.maxErrors) stop('errors', `more than ${opts.maxErrors} deliveries failed (max_errors in newsletter.yaml)`);
        ended(p);
      });
    // A fault in the bookkeeping above is the run's: the loop throws it, as the race did.
    p.catch((err: unknown) => {
      loopFault ??= { err };
      ended(p);
    });
    inflight.add(p);
  };

  try {
    while (!intake.signal.aborted) {
      // Refill when half the window is free: fewer, larger claims.
      const room = opts.window - inflight.size;
      if (room >= Math.ceil(opts.window / 2)) {
        await committer.flush();
        if (intake.signal.aborted) break;
        let claimed: ClaimedDelivery[];
        try {
          claimed = await opts.ledger.claim(opts.sendId, room, now(), opts.owner);
        } catch (err) {
          storeFailed(err);
          break;
        }
        for (const d of claimed) start(d);
        if (claimed.length === 0 && inflight.size === 0) {
          let next: Date | undefined;
          try {
            next = await opts.ledger.nextRetryAt(opts.sendId);
          } catch (err) {
            storeFailed(err);
            break;
          }
          if (!next) break;
          await sleepUntil(Date.now() + Math.min(Math.max(next.getTime() - now().getTime(), 0), MAX_SLEEP_MS), intake.signal);
          continue;
        }
      }
      if (inflight.size > 0) await oneEnded();
      if (loopFault) throw loopFault.err;
    }
    await Promise.all(inflight);
    await committer.finish();
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
  if (ending) return ending;
  if (opts.signal.aborted) return { status: 'interrupted' };
  return { status: 'done' };
}

/** The store's failure as one line (the SQLite translations are UserErrors already). */
function storeMessage(err: unknown): string {
  if (err instanceof UserError) return err.message;
  return `the store failed: ${(err as Error)?.message ?? String(err)}`;
}

/** The last BOUNCE_WINDOW deliveries that reached an answer: true for a recipient refused for good. */
const BOUNCE_WINDOW = 50;
function noteBounce(recent: boolean[], bounced: boolean): void {
  recent.push(bounced);
  if (recent.length > BOUNCE_WINDOW) recent.shift();
}

/**
 * A list that was sent to before bounces a few percent at most; 10 or more of the last 50 (20%)
 * means something other than the addresses is wrong (a relay that rejects everyone as unknown): a
 * human should look before the rest of the list is failed and suppressed.
 */
export function bounceStorm(recent: readonly boolean[]): boolean {
  const bounced = recent.filter(Boolean).length;
  return bounced >= 10 && bounced / recent.length >= 0.2;
}

/** Exponential backoff with ±20% jitter, so retries from many connections do not arrive together. */
export function backoff(baseMs: number, attempts: number): number {
  const exp = Math.min(baseMs * 2 ** Math.max(attempts - 1, 0), MAX_BACKOFF_MS);
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

/** Resolves true at `at` (ms since the epoch), or false as soon as the signal aborts. */
function sleepUntil(at: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const ms = at - Date.now();
    if (ms <= 0) return resolve(true);
    const timer = setTimeout(() => finish(true), Math.min(ms, 2 ** 31 - 1));
    signal.addEventListener('abort', onAbort, { once: true });
    function onAbort() {
      finish(false);
    }
    function finish(ok: boolean) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    }
  });
}

/** At most `size` holders at once; `acquire` resolves undefined if the signal aborts first. */
class Semaphore {
  private free: number;
  private readonly waiting: ((release: (() => void) | undefined) => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const entry = (release: (() => void) | undefined) => {
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }
  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next(this.releaser());
      else this.free++;
    };
  }
}

type Write = (outcomes: { id: number; outcome: Outcome }[], handedOver: number[]) => Promise<void>;

/**
 * Commits in flight at once, at most. A commit with hand-over marks resolves only once they are
 * durable (SQLite: the WAL synced on the thread pool, src/store/sqlite-ledger.ts); with one commit
 * at a time, marks that arrived during a sync waited for it and then for their own, and the
 * connections stood idle. A second commit starts (and syncs) while the first one's sync runs.
 */
const CONCURRENT_COMMITS = 2;

/**
 * The runner's one writer: outcomes and hand-over marks go to the store in the order they were
 * queued; marks requested while commits run share the next one (and its sync). Every outcome
 * recorded before a connection's next hand-over is committed with that hand-over or before it, so
 * a kill leaves at most one message per connection on the wire without its outcome. A failure
 * rejects the waiting marks (those messages never go out) and is reported once; no rejection
 * escapes.
 */
class Committer {
  private outcomes: { id: number; outcome: Outcome }[] = [];
  private marks: { id: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  private writes = 0;
  /** Settles once the last commit started has settled (and every one before it). */
  private lastSettled: Promise<void> = Promise.resolve();
  private scheduled = false;
  private waiters: (() => void)[] = [];
  private failed: unknown;
  private reportedAt = 0;

  constructor(
    private readonly write: Write,
    private readonly onFailure: (err: unknown) => void,
    private readonly onProgress?: (final: boolean) => void,
  ) {}

  add(id: number, outcome: Outcome): void {
    this.outcomes.push({ id, outcome });
    if (this.outcomes.length >= RECORD_BATCH) this.kick();
  }

  handover(id: number): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(new Error('the store failed; not sending'));
    const p = new Promise<void>((resolve, reject) => this.marks.push({ id, resolve, reject }));
    this.kick();
    return p;
  }

  /** Commits what is queued and waits for every commit in flight (after a failure: nothing new). */
  async flush(): Promise<void> {
    this.kick();
    while (this.busy()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The end of the run: everything queued, and once more after a store failure (it may have recovered). */
  async finish(): Promise<void> {
    await this.flush();
    if (this.failed !== undefined && this.outcomes.length > 0 && !(this.failed instanceof LeaseLost)) {
      const last = this.outcomes;
      this.outcomes = [];
      await this.write(last, []).catch(() => undefined);
    }
    this.onProgress?.(true);
  }

  private queued(): boolean {
    return this.failed === undefined && (this.outcomes.length > 0 || this.marks.length > 0);
  }

  private busy(): boolean {
    return this.writes > 0 || this.scheduled || this.queued();
  }

  private kick(): void {
    if (this.scheduled || this.writes >= CONCURRENT_COMMITS || !this.queued()) return;
    this.scheduled = true;
    // setImmediate: the marks of every connection that reaches DATA in this turn share a commit.
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  private start(): void {
    if (this.writes >= CONCURRENT_COMMITS || !this.queued()) return this.wake();
    const outcomes = this.outcomes;
    const marks = this.marks;
    this.outcomes = [];
    this.marks = [];
    this.writes++;
    let written: Promise<void>;
    try {
      written = this.write(
        outcomes,
        marks.map((m) => m.id),
      );
    } catch (err) {
      written = Promise.reject(err);
    }
    // A commit counts as done only once the one before it settled too: a message goes on the wire
    // only after every outcome queued before its mark is committed, whichever commit finishes first
    // (SQLite applies them in order anyway; a store with several connections may not).
    const before = this.lastSettled;
    const settled = written.then(
      () => before,
      (err: unknown) => before.then(() => Promise.reject(err)),
    );
    this.lastSettled = settled.catch(() => undefined);
    settled.then(
      () => {
        this.writes--;
        for (const m of marks) m.resolve();
        if (outcomes.length > 0 && Date.now() - this.reportedAt >= PROGRESS_INTERVAL_MS) {
          this.reportedAt = Date.now();
          this.onProgress?.(false);
        }
        this.kick();
        this.wake();
      },
      (err: unknown) => {
        this.writes--;
        const first = this.failed === undefined;
        if (first) this.failed = err;
        // Kept for one last try at the end of the run.
        this.outcomes = [...outcomes, ...this.outcomes];
        const e = new Error('the store failed; not sending');
        for (const m of [...marks, ...this.marks]) m.reject(e);
        this.marks = [];
        if (first) this.onFailure(err);
        this.wake();
      },
    );
    // More may be queued already (a batch of outcomes): a second commit may start now.
    this.kick();
  }

  private wake(): void {
    if (this.busy()) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
