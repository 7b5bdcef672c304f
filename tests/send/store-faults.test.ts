import { loadConfig } from '../../src/config';
import { runCampaign } from '../../src/send/campaign';
import type { Ledger } from '../../src/send/ledger';
import { createSmtpTransport } from '../../src/send/smtp-transport';
import { openStore, type Store } from '../../src/store';
import { DeliveryStopped } from '../../src/util/errors';
import { testEdition } from '../helpers/edition';
import { makeSendProject, type SendProject } from '../helpers/send-project';
import { perRecipient, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

/**
 * The runner against a real SQLite store and a real SMTP server, with faults injected through the
 * store interface and the message builder: the send stops with one line (exit 3 in the CLI), no
 * rejection escapes, nobody is failed for it, and the next healthy run mails everyone exactly once.
 */
describe('store and build failures mid-send', () => {
  let server: TestSmtpServer;
  let project: SendProject;
  let store: Store;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeEach(async () => {
    server = await startSmtpServer();
    server.delayMs = 20;
    project = await makeSendProject(30, { smtpUrl: server.url(), send: '{ rate_per_second: 1000, connections: 2, max_errors: 50, max_attempts: 3, retry_delay_seconds: 0.05 }' });
    store = await openStore(loadConfig(project.dir, project.env));
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await store.close();
    await server.close();
  });

  const run = async (ledger: Ledger, dkim?: { domainName: string; keySelector: string; privateKey: string }) => {
    const config = loadConfig(project.dir, project.env);
    const { send } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: new Date() });
    const transport = createSmtpTransport({ url: server.url(), connections: 2 });
    try {
      return await runCampaign({ config, ledger, editions: store.editions, transport, send, signal: new AbortController().signal, dkim });
    } finally {
      await transport.close();
    }
  };

  /** The ledger, with its commit failing from the `n`th call on, as a full disk would. */
  const failingFrom = (n: number): Ledger => {
    let calls = 0;
    return new Proxy(store.ledger, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'commit') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          if (++calls >= n) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
          return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
        };
      },
    });
  };

  it('regression: a ledger write that fails stops the send with one line instead of an unhandled rejection; nobody is failed, and the next run completes', async () => {
    const error = await run(failingFrom(4)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DeliveryStopped);
    expect((error as DeliveryStopped).exitCode).toBe(3);
    expect((error as Error).message).toBe('delivery stopped: the store failed: database or disk is full. Fix it and run the same command again: nobody is mailed twice.');
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
    const sentBefore = server.received.length;
    expect(sentBefore).toBeLessThan(30);
    const send = (await store.ledger.findSend('2021-03-22'))!;
    expect((await store.ledger.counts(send.id)).failed).toBe(0);

    const report = await run(store.ledger);
    expect(report.result).toEqual({ status: 'done' });
    expect(report.counts.failed).toBe(0);
    // Only messages that were on the wire when the store failed can be unknown; none is sent twice.
    const counts = perRecipient(server.received);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(report.counts.sent + report.counts.unknown).toBe(30);
    expect(report.counts.unknown).toBeLessThanOrEqual(2);
    expect(project.addresses.filter((a) => !counts.has(a)).length).toBeLessThanOrEqual(report.counts.unknown);
  });

  it('regression: a message that cannot be built (a DKIM key that does not sign) stops the send with every row pending, never failed', async () => {
    const report = await run(store.ledger, { domainName: 'example.org', keySelector: 'news', privateKey: 'not a key' });
    expect(report.result).toMatchObject({ status: 'stopped', cause: 'build' });
    expect((report.result as { reason: string }).reason).toMatch(/^could not build the message for member\d{4}@example\.org: the message came out unsigned$/);
    expect(report.counts).toMatchObject({ sent: 0, failed: 0, unknown: 0, pending: 30, sending: 0 });
    expect(server.received).toHaveLength(0);
    expect(unhandled).toEqual([]);
  });
});
