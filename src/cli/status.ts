import path from 'node:path';
import { Command } from 'commander';
import { issueSlug } from '../issue/load';
import type { DeliveryState } from '../send/ledger';
import { openStore } from '../store';
import { UserError } from '../util/errors';
import { config, println, type CliContext } from './context';
import { summary } from './send';

/** How many failed/unknown addresses `status <issue>` lists before saying how many more. */
const LISTED_PROBLEMS = 50;

export function statusCommand(ctx: CliContext): Command {
  return new Command('status')
    .description('what sends did: sent, pending, failed, unknown, with reasons')
    .argument('[issue]', 'an issue file or its name (e.g. 2021-03-22); default: every send')
    .action(async (issue: string | undefined) => {
      const cfg = config(ctx);
      const store = await openStore(cfg, { now: ctx.now });
      try {
        const ledger = store.ledger;
        if (!issue) {
          const sends = await ledger.listSends();
          if (sends.length === 0) println(ctx.stdout, 'no sends yet');
          for (const s of sends) {
            const state = s.finishedAt ? `finished ${s.finishedAt}` : 'in progress or stopped (run send again to resume)';
            println(ctx.stdout, `${s.slug}  "${s.subject}"  ${summary(s.counts)}  — ${state}`);
          }
          return;
        }
        const slug = issueSlug(path.basename(issue));
        const send = await ledger.findSend(slug);
        if (!send) throw new UserError(`${slug} has not been sent (no send recorded in ${store.location})`);
        const counts = await ledger.counts(send.id);
        println(ctx.stdout, `${slug}  "${send.subject}"`);
        println(ctx.stdout, `  started ${send.createdAt}${send.finishedAt ? `, finished ${send.finishedAt}` : ', not finished'}`);
        println(ctx.stdout, `  ${summary(counts)}`);
        const problems: DeliveryState[] = ['failed', 'unknown', 'pending'];
        const rows = await ledger.listDeliveries(send.id, problems, LISTED_PROBLEMS);
        for (const r of rows) println(ctx.stdout, `  ${r.state.padEnd(8)} ${r.address}  (${r.attempts} attempt${r.attempts === 1 ? '' : 's'}) ${r.lastReply ?? ''}`.trimEnd());
        const more = counts.failed + counts.unknown + counts.pending - rows.length;
        if (more > 0) println(ctx.stdout, `  … and ${more} more`);
      } finally {
        await store.close();
      }
    });
}
