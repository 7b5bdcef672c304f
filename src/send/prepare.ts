import path from 'node:path';
import type { DateTime } from 'luxon';
import type { Config, Engine } from '../config';
import { draftEdition } from '../publish/edition';
import type { Rendered } from '../render';
import { checkRendered } from '../render/quality';
import type { Problem } from '../util/problems';
import { prepareIssue, type PreparedIssue } from './message';
import { createOutboxTransport } from './outbox-transport';
import { createSmtpTransport } from './smtp-transport';
import type { Transport } from './transport';

/**
 * Loads (errors stop here), renders once, and compiles the per-recipient placeholders, without
 * the store: for test sends and the bench. A real send builds its messages from the stored edition.
 */
export async function prepareSend(config: Config, file: string, display: string, engine: Engine | undefined, now: DateTime): Promise<{ slug: string; prepared: PreparedIssue }> {
  const draft = await draftEdition({ config, file, display, engine, viewAt: now, stampAt: now });
  return { slug: draft.slug, prepared: prepareIssue(draft.rendered) };
}

/** The warnings `newsletter check` would print for a rendered issue, shown before a send is confirmed. */
export function sendWarnings(loaded: { problems: readonly Problem[] }, rendered: Rendered, display: string): Problem[] {
  return [...loaded.problems.filter((p) => p.severity === 'warning'), ...checkRendered(rendered, display).filter((p) => p.severity === 'warning')];
}

/** SMTP when SMTP_URL is set, the local outbox otherwise. */
export function createTransport(config: Config, outboxFolder: string): Transport {
  const send = config.publication.send;
  if (config.env.smtpUrl) {
    return createSmtpTransport({ url: config.env.smtpUrl, connections: send.connections });
  }
  return createOutboxTransport(config.root, path.basename(outboxFolder));
}
