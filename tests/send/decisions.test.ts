import { sendStateAfterRun, type DeliveryState } from '../../src/send/ledger';
import { bounceStorm } from '../../src/send/runner';
import { COUNT_SPACING, progressCountDue, spacedProgress } from '../../src/send/progress';
import { afterOutcome, checkCaps, countAgainstCaps, DAY_MS, estimateMs, HOUR_MS, initialPace, MAX_INTERVAL_MS, nextSlot, RECOVER_AFTER } from '../../src/send/pace';
import { classifySmtpError, permanentMeaning } from '../../src/send/smtp-errors';
import { escapeControl } from '../../src/util/control-chars';

/** The send's decisions, as tables: what a reply means, how fast to go, when a cap pauses. */
describe('what an SMTP failure means for the delivery and the send', () => {
  const reply = (responseCode: number, text: string, command: string) => ({ code: 'EENVELOPE', responseCode, response: `${responseCode} ${text}`, command });
  test.each([
    // Recipient-specific permanent codes: the delivery fails and the address is suppressed.
    [reply(550, '5.1.1 <a@x>: Recipient address rejected: User unknown', 'RCPT TO'), 'bounce'],
    [reply(550, '5.1.2 Host or domain name not found', 'RCPT TO'), 'bounce'],
    [reply(550, '5.2.1 The email account that you tried to reach is disabled', 'RCPT TO'), 'bounce'],
    [reply(550, 'No such user', 'RCPT TO'), 'bounce'],
    // Permanent, but nothing certain about the address: failed, nobody suppressed.
    [reply(552, '5.2.2 Mailbox full', 'RCPT TO'), 'permanent'],
    // The sender, the relay or the message refused: the same for everyone; the send stops.
    [reply(550, '5.7.1 Relaying denied', 'RCPT TO'), 'fatal:refused'],
    [reply(553, '5.7.1 <news@example.org>: Sender address rejected: not owned by user', 'RCPT TO'), 'fatal:refused'],
    [reply(550, '5.1.0 <news@example.org>: Sender address rejected: Domain not found', 'RCPT TO'), 'fatal:refused'],
    [reply(554, '5.7.1 Message rejected as spam', 'DATA'), 'fatal:refused'],
    [reply(554, 'Transaction failed', 'DATA'), 'fatal:refused'],
    [reply(530, '5.7.0 Authentication required', 'MAIL FROM'), 'fatal:auth'],
    [reply(550, '5.1.1 whatever', 'MAIL FROM'), 'fatal:refused'],
    [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication credentials invalid', command: 'AUTH PLAIN' }, 'fatal:auth'],
    [{ code: 'ESOCKET', message: 'C0DB0A0A:error:0A00010B:SSL routines:ssl3_get_record:wrong version number' }, 'fatal:tls'],
    [{ code: 'ETLS', message: 'Error initiating TLS' }, 'fatal:tls'],
    [{ code: 'EPROTOCOL', message: 'Invalid greeting. response=HTTP/1.1 400 Bad Request' }, 'fatal:protocol'],
    [{ code: 'ECONNECTION', errno: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:25' }, 'fatal:unreachable'],
    // Temporary: retried; throttling (421, 454, "rate") does not count as an attempt and slows the send.
    [reply(451, '4.3.0 Try again later', 'DATA'), 'transient'],
    [reply(450, '4.2.1 Mailbox busy', 'RCPT TO'), 'transient'],
    [reply(421, '4.7.0 Too many connections, slow down', 'MAIL FROM'), 'transient:throttle'],
    [reply(454, 'Throttling failure: Maximum sending rate exceeded.', 'MAIL FROM'), 'transient:throttle'],
    [reply(451, '4.7.1 Rate limit exceeded for this sender', 'RCPT TO'), 'transient:throttle'],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'transient'],
  ])('%j → %s', (err, expected) => {
    const f = classifySmtpError(err, false);
    const got = f.kind === 'fatal' ? `fatal:${f.reason}` : f.kind === 'transient' && f.throttle ? 'transient:throttle' : f.kind;
    expect(got).toBe(expected);
  });

  test('a connection lost after the data started is ambiguous (unknown), before it a retry', () => {
    const lost = { code: 'ECONNECTION', message: 'Connection closed unexpectedly' };
    expect(classifySmtpError(lost, true).kind).toBe('ambiguous');
    expect(classifySmtpError(lost, false).kind).toBe('transient');
  });

  test('permanent replies by whose fault they are', () => {
    expect(permanentMeaning('550 5.1.1 unknown', 'rcpt')).toBe('recipient');
    expect(permanentMeaning('550 5.7.1 Relaying denied', 'rcpt')).toBe('sender');
    expect(permanentMeaning('552 5.2.2 full', 'rcpt')).toBe('uncertain');
  });

  test('regression: control characters in SMTP replies are escaped (a hostile server could clear the terminal or forge a line)', () => {
    const f = classifySmtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 \u001b[2J\u001b[HALL DELIVERED OK\u0007\u202e', command: 'RCPT TO' }, false);
    expect(f.reply).toBe('550 5.1.1 \\x1b[2J\\x1b[HALL DELIVERED OK\\x07\\u{202e}');
    expect(escapeControl('plain ascii, äöü, 日本')).toBe('plain ascii, äöü, 日本');
    expect(escapeControl('\u009b31m')).toBe('\\x9b31m');
  });
});

describe('pace: the configured rate over all connections, and back-off on throttling', () => {
  test.each([
    [0.5, 2000],
    [14, 1000 / 14],
    [1.5, 1000 / 1.5],
    [100, 10],
  ])('rate_per_second %s spaces messages by %s ms, exactly (regression: rates below 1.5 were rounded to 1/s)', (rate, interval) => {
    let state = initialPace(rate, 0);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const slot = nextSlot(state, 0);
      times.push(slot.at);
      state = slot.state;
    }
    expect(times).toEqual([0, 1, 2, 3, 4].map((i) => i * interval));
  });

  test('a send that fell behind starts the next message now, without a burst to catch up', () => {
    const state = initialPace(1, 0);
    const first = nextSlot(state, 10_000);
    expect(first.at).toBe(10_000);
    expect(nextSlot(first.state, 10_000).at).toBe(11_000);
  });

  test('a throttling reply halves the rate once per storm, and accepted messages bring it back up', () => {
    let s = initialPace(10, 0);
    s = afterOutcome(s, { throttled: true, startedAt: 0 }, 1000);
    expect(s.intervalMs).toBe(200);
    // The replies to the other messages already in flight (started before the slowdown) count once.
    s = afterOutcome(s, { throttled: true, startedAt: 999 }, 1001);
    expect(s.intervalMs).toBe(200);
    s = afterOutcome(s, { throttled: true, startedAt: 1100 }, 1200);
    expect(s.intervalMs).toBe(400);
    expect(s.nextAt).toBeGreaterThanOrEqual(1600);
    for (let i = 0; i < RECOVER_AFTER; i++) s = afterOutcome(s, { throttled: false, startedAt: 2000 }, 2000);
    expect(s.intervalMs).toBe(320);
    for (let i = 0; i < RECOVER_AFTER * 20; i++) s = afterOutcome(s, { throttled: false, startedAt: 2000 }, 2000);
    expect(s.intervalMs).toBe(100);
  });

  test('never slower than one message a minute', () => {
    let s = initialPace(1, 0);
    for (let i = 0; i < 20; i++) s = afterOutcome(s, { throttled: true, startedAt: i * 1e6 }, i * 1e6 + 1);
    expect(s.intervalMs).toBe(MAX_INTERVAL_MS);
  });
});

describe('caps: max_per_hour and max_per_day over a rolling window', () => {
  const t = (min: number) => min * 60_000;
  test.each([
    ['under the hourly cap', [t(0), t(10)], t(30), { perHour: 3 }, { ok: true }],
    ['at the hourly cap: resumes when the oldest leaves the hour', [t(0), t(10), t(20)], t(30), { perHour: 3 }, { ok: false, cap: 'max_per_hour', limit: 3, resumeAt: t(60) }],
    ['an hour later it may go again', [t(0), t(10), t(20)], t(60), { perHour: 3 }, { ok: true }],
    ['the daily cap, the later of the two', [t(0), t(1)], t(2), { perHour: 100, perDay: 2 }, { ok: false, cap: 'max_per_day', limit: 2, resumeAt: DAY_MS }],
    ['both reached: the later resume wins', [t(0), t(1)], t(2), { perHour: 1, perDay: 2 }, { ok: false, cap: 'max_per_day', limit: 2, resumeAt: DAY_MS }],
    ['no caps', [t(0), t(1)], t(2), {}, { ok: true }],
  ])('%s', (_what, times, now, caps, expected) => {
    expect(checkCaps(times, now, caps)).toEqual(expected);
  });

  test.each([
    ['no cap: nothing is kept', [t(0), t(1)], t(2), {}, [t(0), t(1)]],
    ['a cap: the time is kept', [t(0), t(1)], t(2), { perHour: 5 }, [t(0), t(1), t(2)]],
    ['times older than a day are dropped (the longest window)', [t(0), t(1), t(30)], DAY_MS + t(1), { perHour: 5 }, [t(30), DAY_MS + t(1)]],
    ['a daily cap sees a whole day', [t(0), t(600)], DAY_MS - t(1), { perDay: 5 }, [t(0), t(600), DAY_MS - t(1)]],
  ])('regression: a send no longer keeps the time of every message it sent (%s)', (_what, times, at, caps, expected) => {
    const kept = [...times];
    countAgainstCaps(kept, at, caps);
    expect(kept).toEqual(expected);
  });

  test('the estimate before sending', () => {
    expect(estimateMs(5400, 10, {})).toEqual({ ms: 540_000 });
    expect(estimateMs(300, 10, { perHour: 100 })).toEqual({ ms: 2 * HOUR_MS, capped: 'max_per_hour' });
    expect(estimateMs(25_000, 14, { perDay: 10_000 })).toEqual({ ms: 2 * DAY_MS, capped: 'max_per_day' });
  });
});

describe('a bounce storm stops the send', () => {
  const run = (bounces: number, of: number) => Array.from({ length: of }, (_, i) => i < bounces);
  test.each([
    [run(9, 9), false],
    [run(10, 10), true],
    [run(10, 50), true],
    [run(9, 50), false],
    [[...run(0, 40), ...run(10, 10)], true],
  ])('%#', (recent, storm) => {
    expect(bounceStorm(recent)).toBe(storm);
  });
});

describe("a send's state after a run", () => {
  const counts = (c: Partial<Record<DeliveryState, number>>) => ({ pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, skipped: 0, ...c });
  test.each([
    [true, counts({ sent: 5 }), 'finished'],
    [true, counts({ sent: 3, failed: 1, unknown: 1, skipped: 1 }), 'finished'],
    // Another sender still has rows on the wire, or retries wait: not finished.
    [true, counts({ sent: 4, sending: 1 }), 'stopped'],
    [true, counts({ sent: 4, pending: 1 }), 'stopped'],
    // Interrupted, paused or stopped: never finished, even with nothing left.
    [false, counts({ sent: 5 }), 'stopped'],
  ] as const)('run done %s, %j → %s', (done, c, expected) => {
    expect(sendStateAfterRun(done, c)).toBe(expected);
  });
});

describe('progress: a count of the send is spaced by its own cost', () => {
  // The count started at 1,000 ms and took `took` ms; is another due at `now`?
  test.each([
    // [now, took, counting, final, due]
    [1_000, undefined, false, false, true], // nothing counted yet
    [1_100, 5, false, false, true], // a 5 ms count: due again after 100 ms
    [1_099, 5, false, false, false],
    [1_600, 30, false, false, true], // 100,000 rows (30 ms): every 600 ms
    [1_599, 30, false, false, false],
    [5_999, 250, false, false, false], // a million rows (250 ms): every 5 s
    [6_000, 250, false, false, true],
    [9_000, 5, true, false, false], // one is running: never two at once
    [1_001, 250, false, true, true], // the end of the run: always counted
    [1_001, 250, true, true, false], // … but not beside a running count
  ])('at %d ms after a count of %p ms (counting: %p, final: %p): %p', (now, took, counting, final, due) => {
    const last = took === undefined ? undefined : { startedMs: 1_000, tookMs: took };
    expect(progressCountDue(now, last, counting, final)).toBe(due);
  });

  test('counting takes at most 1 / (COUNT_SPACING + 1) of the time, whatever a count costs', async () => {
    for (const took of [1, 30, 250, 2_000]) {
      let clock = 0;
      let spent = 0;
      let counts = 0;
      const report = spacedProgress(
        () => {
          clock += took;
          spent += took;
          counts++;
          return Promise.resolve(0);
        },
        () => undefined,
        () => clock,
      );
      // Offered every 250 ms (the runner's rate) for a simulated ten minutes.
      for (; clock < 600_000; clock += 250) {
        report(false);
        await Promise.resolve();
      }
      expect(spent / clock).toBeLessThanOrEqual(1 / (COUNT_SPACING + 1) + 0.001);
      // Cheap counts still come at every offer; dear ones close to the allowed share.
      if (took * (COUNT_SPACING + 1) <= 250) expect(counts).toBeGreaterThan(600_000 / (250 + took) - 2);
      else expect(spent / clock).toBeGreaterThan(0.7 / (COUNT_SPACING + 1));
    }
  });

  test('a final report while a count runs counts once more after it, and shows those figures last', async () => {
    const shown: number[] = [];
    const pending: ((n: number) => void)[] = [];
    let n = 0;
    const report = spacedProgress(
      () => new Promise<number>((resolve) => pending.push(() => resolve(++n))),
      (c) => shown.push(c),
      () => 0,
    );
    report(false);
    report(true);
    expect(pending).toHaveLength(1);
    pending.shift()!(0);
    await new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(1);
    pending.shift()!(0);
    await new Promise((r) => setImmediate(r));
    expect(shown).toEqual([1, 2]);
  });

  test('a count that fails stops the progress, not the send', async () => {
    let calls = 0;
    const report = spacedProgress(
      () => {
        calls++;
        return Promise.reject(new Error('database is locked'));
      },
      () => undefined,
      () => 0,
    );
    report(true);
    await new Promise((r) => setImmediate(r));
    report(true);
    expect(calls).toBe(1);
  });
});
