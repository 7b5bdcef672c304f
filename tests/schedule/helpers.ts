import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { loadConfig } from '../../src/config';
import { draftEdition } from '../../src/publish/edition';
import { openStore } from '../../src/store';
import { runCli } from '../helpers/cli';
import type { SendProject } from '../helpers/send-project';

/** The publication's zone in the repo's newsletter.yaml, which test projects copy. */
export const ZONE = 'America/Los_Angeles';

/** A small valid issue for the week of `weekOf`, scheduled at `sendAt` (local time) when given. */
export function issueYaml(weekOf: string, sendAt?: string): string {
  return [
    `week_of: ${weekOf}`,
    `subject: "Events for the week of ${weekOf}"`,
    `preheader: "One meeting this week"`,
    ...(sendAt ? [`send_at: ${sendAt}`] : []),
    'sections:',
    '  - title: Meetings',
    '    events:',
    '      - title: General meeting',
    `        start: ${weekOf}T18:00`,
    `        end: ${weekOf}T19:00`,
    '        online: Zoom',
    '',
  ].join('\n');
}

export function writeIssue(project: SendProject, name: string, source: string): string {
  fs.writeFileSync(path.join(project.dir, 'issues', name), source);
  return `issues/${name}`;
}

/** A moment given as local wall-clock time in the publication's zone. */
export function local(value: string): Date {
  return DateTime.fromISO(value, { zone: ZONE }).toJSDate();
}

/** `newsletter send --due --yes` at the given moment (the clock then runs at real speed). */
export function sendDue(project: SendProject, now: Date, args: string[] = ['--yes']) {
  return runCli(['send', '--due', ...args], { cwd: project.dir, env: project.env, now });
}

export function status(project: SendProject, now: Date) {
  return runCli(['status'], { cwd: project.dir, env: project.env, now });
}

/** Messages written to the local outbox for an issue. */
export function outbox(project: SendProject, slug: string): string[] {
  const dir = path.join(project.dir, 'outbox', slug);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
}

/**
 * A send of the seed issue begun at `at` (as an earlier run would have), with its first
 * `delivered` deliveries recorded as sent and the rest still pending: an interrupted send.
 */
export async function beginSendDirectly(project: SendProject, at: Date, delivered: number, lease?: { owner: string; until: Date }): Promise<void> {
  const store = await openStore(loadConfig(project.dir, project.env), { now: () => at });
  try {
    const when = DateTime.fromJSDate(at);
    const draft = await draftEdition({ config: loadConfig(project.dir, project.env), file: path.join(project.dir, 'issues', '2021-03-22.yaml'), viewAt: when, stampAt: when });
    const { send } = await store.ledger.beginSend({ slug: '2021-03-22', edition: draft.content, now: at });
    const owner = lease?.owner ?? 'an-earlier-run';
    expect(await store.ledger.acquireLease(send.id, owner, lease?.until ?? at, at)).toBe(true);
    const claimed = await store.ledger.claim(send.id, delivered, at, owner);
    await store.ledger.commit({ sendId: send.id, owner, outcomes: claimed.map((c) => ({ id: c.id, outcome: { to: 'sent' as const, reply: '250 ok', messageId: `<${c.id}@test>` } })), handedOver: [], now: at });
    if (!lease) await store.ledger.releaseLease(send.id, owner);
  } finally {
    await store.close();
  }
}
