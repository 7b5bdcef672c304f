import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Config } from '../config';
import { signToken, unsubscribeUrl } from '../unsubscribe/token';
import { verpAddress } from '../bounces/verp';
import { DeliveryStopped, SendInProgress, UserError } from '../util/errors';
import type { DkimKey } from './dkim';
import { LeaseLost, sendStateAfterRun, type DeliveryCounts, type Ledger, type SendRecord } from './ledger';
import { DAY_MS } from './pace';
import { renderedOf } from '../publish/edition';
import type { EditionStore } from '../store/types';
import { envelopeSender, personaliseParts, prepareIssue, type PreparedIssue } from './message';
import { spacedProgress } from './progress';
import { runDeliveries, type RunnerResult } from './runner';
import type { Transport } from './transport';

/** A lease outlives a hung process by at most this long; it is renewed three times as often. */
const LEASE_TTL_MS = 60_000;
/** Deliveries in flight per SMTP connection: enough to keep each connection busy. */
const IN_FLIGHT_PER_CONNECTION = 4;

export interface CampaignInput {
  config: Config;
  ledger: Ledger;
  /** Where each delivery's edition is read from: every message is built from its stored edition. */
  editions: Pick<EditionStore, 'byId'>;
  transport: Transport;
  /** The send to run, begun by `ledger.beginSend`. */
  send: SendRecord;
  signal: AbortSignal;
  /** The DKIM key, loaded and checked before the send (loadDkim). */
  dkim?: DkimKey;
  resendUnknown?: boolean;
  retryFailed?: boolean;
  now?: () => Date;
  onStart?: (info: {
    send: SendRecord;
    counts: DeliveryCounts;
    /** Rows an earlier run left on the wire, now `unknown`. */
    interrupted: number;
    /** Rows an earlier run claimed but never handed over, `pending` again. */
    returned: number;
    requeued: number;
    retried: number;
  }) => void;
  onProgress?: (counts: DeliveryCounts) => void;
}

export interface CampaignReport {
  send: SendRecord;
  result: RunnerResult;
  counts: DeliveryCounts;
  /** Rows an earlier run that died left on the wire, now `unknown`. */
  interrupted: number;
  /** Other senders still running this send (PostgreSQL): its state is theirs to settle. */
  othersRunning: number;
  topFailures: { reply: string; count: number }[];
}

/**
 * One run of an issue's send, begun or resumed: hold its lease so no other process sends it at
 * the same time, deliver what is pending (each message from the edition its delivery points at),
 * move the send to finished or stopped, and report.
 */
export async function runCampaign(input: CampaignInput): Promise<CampaignReport> {
  try {
    return await campaign(input);
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (err instanceof LeaseLost) throw new DeliveryStopped(`delivery stopped: ${err.message}. It goes on there; nothing is lost.`);
    // The store failed outside a delivery (starting, counting, finishing): one line, exit 3.
    throw new DeliveryStopped(`delivery stopped: the store failed: ${(err as Error)?.message ?? String(err)}. Fix it and run the same command again: nobody is mailed twice.`);
  }
}

async function campaign(input: CampaignInput): Promise<CampaignReport> {
  const { config, ledger } = input;
  const now = input.now ?? (() => new Date());
  const owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}:${machineId()}`;
  await takeLease(ledger, input.send.id, owner, now());
  const renew = setInterval(() => {
    void ledger.renewLease(input.send.id, owner, new Date(now().getTime() + LEASE_TTL_MS)).catch(() => undefined);
  }, LEASE_TTL_MS / 3);
  renew.unref();

  try {
    // Read again under the lease: another run may have moved it since the caller looked.
    const send = (await ledger.findSend(input.send.slug)) ?? input.send;
    const before = await ledger.counts(send.id);
    const resuming =
      send.state === 'stopped' || (send.state === 'finished' && ((input.resendUnknown && before.unknown > 0) || (input.retryFailed && before.failed > 0)));
    if (resuming) await resume(ledger, send, now());
    const { unknown: interrupted, requeued: returned } = await ledger.beginRun(send.id, now());
    const requeued = input.resendUnknown ? await ledger.requeueUnknown(send.id, now()) : 0;
    const retried = input.retryFailed ? await ledger.requeueFailed(send.id, now()) : 0;
    input.onStart?.({ send, counts: await ledger.counts(send.id), interrupted, returned, requeued, retried });

    const pub = config.publication;
    const caps = { perHour: pub.send.max_per_hour, perDay: pub.send.max_per_day };
    const capHistory = !ledger.sharedPace && (caps.perHour || caps.perDay) ? (await ledger.handoverTimes(new Date(now().getTime() - DAY_MS))).map((d) => d.getTime()) : [];
    const prepared = new Map<number, Promise<PreparedIssue>>();
    const editionOf = (id: number): Promise<PreparedIssue> => {
      let p = prepared.get(id);
      if (!p) {
        p = input.editions.byId(id).then((e) => {
          if (!e) throw new Error(`edition ${id} is not in the store`);
          return prepareIssue(renderedOf(e));
        });
        prepared.set(id, p);
      }
      return p;
    };
    // With BOUNCE_ADDRESS each message's return path names its delivery (VERP), signed.
    const bounceAddress = config.bounces.bounceAddress;
    const from = bounceAddress ? (deliveryId: number) => verpAddress(bounceAddress, deliveryId, config.env.unsubscribeKeys) : envelopeSender(pub);
    const result = await runDeliveries({
      ledger,
      transport: input.transport,
      sendId: send.id,
      owner,
      from,
      window: Math.max(pub.send.connections * IN_FLIGHT_PER_CONNECTION, 2),
      connections: pub.send.connections,
      ratePerSecond: pub.send.rate_per_second,
      caps,
      capHistory,
      sharedPace: ledger.sharedPace,
      maxErrors: pub.send.max_errors,
      maxAttempts: pub.send.max_attempts,
      retryBaseMs: pub.send.retry_delay_seconds * 1000,
      signal: input.signal,
      now,
      makeMessage: async (d) => {
        const { parts, messageId } = await personaliseParts(await editionOf(d.editionId), { id: d.subscriberId, address: d.address, name: d.name }, {
          publication: pub,
          slug: send.slug,
          unsubscribeUrl: unsubscribeUrl(pub.site_url, signToken(config.env.unsubscribeKeys, d.subscriberId)),
          unsubscribeMailto: config.env.unsubscribeMailto,
          dkim: input.dkim,
        });
        return { raw: parts, messageId };
      },
      onProgress: input.onProgress ? spacedProgress(() => ledger.counts(send.id), input.onProgress) : undefined,
    });
    if (result.status === 'stopped' && (result.cause === 'store' || result.cause === 'lease')) {
      // The store cannot be trusted for the report: say what happened and stop.
      const advice = result.cause === 'lease' ? 'It goes on there; nothing is lost.' : 'Fix it and run the same command again: nobody is mailed twice.';
      throw new DeliveryStopped(`delivery stopped: ${result.reason}. ${advice}`);
    }
    const end = await ledger.endRun(send.id, owner, (counts) => sendStateAfterRun(result.status === 'done', counts), now());
    return { send: { ...send, state: end.state }, result, counts: end.counts, interrupted, othersRunning: end.othersRunning, topFailures: await ledger.topFailures(send.id, 3) };
  } finally {
    clearInterval(renew);
    await ledger.releaseLease(input.send.id, owner).catch(() => undefined);
  }
}

/**
 * stopped (or finished, for --resend-unknown/--retry-failed) → sending. Senders joining one send
 * (PostgreSQL) may race to it: the one that loses finds it sending already, which is what it wanted.
 */
async function resume(ledger: Ledger, send: SendRecord, now: Date): Promise<void> {
  try {
    await ledger.transitionSend(send.id, send.state, 'sending', now);
  } catch (err) {
    if (!ledger.sharedSends || (await ledger.findSend(send.slug))?.state !== 'sending') throw err;
  }
}

async function takeLease(ledger: Ledger, sendId: number, owner: string, now: Date): Promise<void> {
  const until = new Date(now.getTime() + LEASE_TTL_MS);
  if (ledger.sharedSends) {
    // Senders on this machine that were killed cannot finish: their rows are the next run's to settle now.
    for (const holder of await ledger.leaseHolders(sendId)) {
      if (isDeadLocalProcess(holder.owner)) await ledger.releaseLease(sendId, holder.owner);
    }
  }
  if (await ledger.acquireLease(sendId, owner, until, now)) return;
  const holder = await ledger.leaseHolder(sendId);
  // A holder on this machine whose process is gone (killed) cannot finish: take over at once.
  if (holder && isDeadLocalProcess(holder.owner)) {
    await ledger.releaseLease(sendId, holder.owner);
    if (await ledger.acquireLease(sendId, owner, until, now)) return;
  }
  const who = holder ? holder.owner.split(':').slice(0, 2).join(' pid ') : 'another process';
  throw new SendInProgress(
    `another send of this issue is running (${who}); not sending it twice at once. If that process was killed on another machine, run again after ${holder?.until.toISOString() ?? 'a minute'}.`,
  );
}

/**
 * This machine, beyond its host name (cloned VMs and containers can share one): systemd's
 * machine id where there is one. An owner written by another machine is never taken for a local
 * process, so its lease is only taken over when it runs out.
 */
let thisMachine: string | undefined;
function machineId(): string {
  if (thisMachine !== undefined) return thisMachine;
  thisMachine = '';
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = fs.readFileSync(file, 'utf8').trim();
      if (/^[0-9a-f]{32}$/.test(id)) return (thisMachine = id);
    } catch {
      // not there: try the next
    }
  }
  return thisMachine;
}

function isDeadLocalProcess(owner: string): boolean {
  const [host, pid, , machine] = owner.split(':');
  if (host !== os.hostname() || !pid || Number(pid) === process.pid) return false;
  // Owners from before the machine id was recorded have none: the host name decides, as it did.
  if (machine !== undefined && machine !== machineId()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
