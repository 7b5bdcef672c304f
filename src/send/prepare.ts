import path from 'node:path';
import type { DateTime } from 'luxon';
import type { Config, Engine } from '../config';
import { loadIssueFile } from '../issue/load';
import { buildView } from '../issue/view';
import { renderIssue } from '../render';
import { prepareIssue, type PreparedIssue } from './message';
import { createOutboxTransport } from './outbox-transport';
import { createSmtpTransport } from './smtp-transport';
import type { Transport } from './transport';

/** Loads (errors stop here), renders once, and compiles the per-recipient placeholders. */
export async function prepareSend(config: Config, file: string, display: string, engine: Engine | undefined, now: DateTime): Promise<{ slug: string; prepared: PreparedIssue }> {
  const loaded = loadIssueFile(file, config.publication.timezone, display);
  const view = buildView(loaded.issue, config.publication, { slug: loaded.slug, now, images: loaded.images });
  const rendered = await renderIssue(view, engine ?? config.publication.engine);
  return { slug: loaded.slug, prepared: prepareIssue(rendered) };
}

/** SMTP when SMTP_URL is set, the local outbox otherwise. */
export function createTransport(config: Config, outboxFolder: string): Transport {
  const send = config.publication.send;
  if (config.env.smtpUrl) {
    return createSmtpTransport({ url: config.env.smtpUrl, connections: send.connections, ratePerSecond: send.rate_per_second });
  }
  return createOutboxTransport(config.root, path.basename(outboxFolder));
}
