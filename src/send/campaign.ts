import crypto from 'node:crypto';
import os from 'node:os';
import type { Config } from '../config';
import { signToken, unsubscribeUrl } from '../unsubscribe/token';
import { verpAddress } from '../bounces/verp';
import { SendInProgress } from '../util/errors';
import type { DeliveryCounts, Ledger, SendRecord } from './ledger';
import { renderedOf } from '../publish/edition';
import type { EditionStore } from '../store/types';
import { envelopeSender, personalise, prepareIssue, type PreparedIssue } from './message';
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
  resendUnknown?: boolean;
  now?: () => Date;
  onStart?: (info: { send: SendRecord; counts: DeliveryCounts; interrupted: number; requeued: number }) => void;
  onProgress?: (counts: DeliveryCounts) => void;
}

export interface CampaignReport {
  send: SendRecord;
  result: RunnerResult;
  counts: DeliveryCounts;
  /** Rows found `sending` from an earlier run that died, now `unknown`. */
  interrupted: number;
  topFailures: { reply: string; count: number }[];
}

/**
 * One run of an issue's send, begun or resumed: hold its lease so no other process sends it at
 * the same time, deliver what is pending (each message from the edition its delivery points at),
 * move the send to finished or stopped, and report.
 */
export async function runCampaign(input: CampaignInput): Promise<CampaignReport> {
  const { config, ledger } = input;
  const now = input.now ?? (() => new Date());
  const owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  await takeLease(ledger, input.send.id, owner, now());
  const renew = setInterval(() => {
    void ledger.renewLease(input.send.id, owner, new Date(now().getTime() + LEASE_TTL_MS)).catch(() => undefined);
  }, LEASE_TTL_MS / 3);
  renew.unref();

  try {
    // Read again under the lease: another run may have moved it since the caller looked.
    const send = (await ledger.findSend(input.send.slug)) ?? input.send;
    const unknownBefore = (await ledger.counts(send.id)).unknown;
    const resuming = send.state === 'stopped' || (send.state === 'finished' && input.resendUnknown && unknownBefore > 0);
    if (resuming) await ledger.transitionSend(send.id, send.state, 'sending', now());
    const interrupted = await ledger.markInterruptedUnknown(send.id, now());
    const requeued = input.resendUnknown ? await ledger.requeueUnknown(send.id, now()) : 0;
    input.onStart?.({ send, counts: await ledger.counts(send.id), interrupted, requeued });

    const pub = config.publication;
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
      from,
      window: Math.max(pub.send.connections * IN_FLIGHT_PER_CONNECTION, 2),
      maxErrors: pub.send.max_errors,
      maxAttempts: pub.send.max_attempts,
      retryBaseMs: pub.send.retry_delay_seconds * 1000,
      signal: input.signal,
      now,
      makeMessage: async (d) =>
        personalise(await editionOf(d.editionId), { id: d.subscriberId, address: d.address, name: d.name }, {
          publication: pub,
          slug: send.slug,
          unsubscribeUrl: unsubscribeUrl(pub.site_url, signToken(config.env.unsubscribeKeys, d.subscriberId)),
          unsubscribeMailto: config.env.unsubscribeMailto,
          dkim: config.env.dkim,
        }),
      onProgress: input.onProgress ? () => void ledger.counts(send.id).then(input.onProgress) : undefined,
    });
    const counts = await ledger.counts(send.id);
    const state = (await ledger.findSend(send.slug))!.state;
    const next = result.status === 'done' && counts.pending === 0 && counts.sending === 0 ? 'finished' : 'stopped';
    if (state !== next) await ledger.transitionSend(send.id, state, next, now());
    return { send: { ...send, state: next }, result, counts, interrupted, topFailures: await ledger.topFailures(send.id, 3) };
  } finally {
    clearInterval(renew);
    await ledger.releaseLease(input.send.id, owner);
  }
}

async function takeLease(ledger: Ledger, sendId: number, owner: string, now: Date): Promise<void> {
  const until = new Date(now.getTime() + LEASE_TTL_MS);
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

function isDeadLocalProcess(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== os.hostname() || !pid || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
