import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli';
import { makeSendProject, send } from '../helpers/send-project';
import { estimateSecretBits, MAKE_SECRET_COMMAND, secretProblems } from '../../src/unsubscribe/secret';

/**
 * Found by an adversarial run: `UNSUBSCRIBE_SECRET=k1:change-me` (the .env.example line) was
 * accepted, and with sequential ids anyone could forge links and unsubscribe the whole list.
 */

const GOOD = 'DUhljennDVagQpHnEU-Kak1waaqRJ-ig8gE1T0mJK9A';

describe('secretProblems', () => {
  test.each([
    ['change-me', 'is an example value'],
    ['CHANGE_ME', 'is an example value'],
    ['new-long-random-secret', 'is an example value'],
    ['development-only-unsubscribe-secret', 'is an example value'],
    ['short', 'bytes of randomness, under the 32 needed'],
    ['correct-horse-battery-staple', 'bytes of randomness, under the 32 needed'],
    ['a'.repeat(200), 'has about 0 bytes of randomness'],
    ['abc'.repeat(40), 'bytes of randomness, under the 32 needed'],
    ['9f86d081884c7d659a2feaa0c55ad015', 'has about 16 bytes of randomness'], // 16 bytes as hex
    [GOOD.slice(0, 32), 'bytes of randomness, under the 32 needed'], // 24 bytes of base64url
    // regression: long patterns written out again, and the alphabet typed out, were accepted.
    ['change-me'.repeat(10), 'bytes of randomness, under the 32 needed'],
    ['0123456789abcdef'.repeat(4), 'bytes of randomness, under the 32 needed'],
    ['abcdefghijklmnopqrstuvwxyz'.repeat(3), 'bytes of randomness, under the 32 needed'],
    ['password1234567890'.repeat(3), 'bytes of randomness, under the 32 needed'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'bytes of randomness, under the 32 needed'],
    ['zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA9876543210-_', 'bytes of randomness, under the 32 needed'],
    [`${GOOD.slice(0, 20)}abcdefghijklmnopqrstuvw`, 'bytes of randomness, under the 32 needed'],
  ])('%j is refused (%s), with the command that makes a good one', (secret, says) => {
    const [problem, ...more] = secretProblems([{ id: 'k1', secret }]);
    expect(more).toEqual([]);
    expect(problem).toMatch(/^UNSUBSCRIBE_SECRET: the key "k1" /);
    expect(problem).toContain(says);
    expect(problem!.endsWith(`Make one with: ${MAKE_SECRET_COMMAND}`)).toBe(true);
  });

  test.each([
    [GOOD], // what the command makes: 32 bytes, base64url
    ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'], // 32 bytes as hex
    ['n4bQgJj5JtY1Ra9wkP8Q3Z1mX2c7Vh0sLr6uTe4yWdI='], // 32 bytes, standard base64
  ])('%j is accepted', (secret) => {
    expect(secretProblems([{ id: 'k2', secret }])).toEqual([]);
    expect(estimateSecretBits(secret)).toBeGreaterThanOrEqual(256);
  });

  test('every key is checked: an old weak key is as forgeable as a new one', () => {
    expect(secretProblems([{ id: 'k2', secret: GOOD }, { id: 'k1', secret: 'change-me' }])).toEqual([expect.stringContaining('the key "k1" is an example value')]);
  });

  test('1,000 secrets made by the command are all accepted', () => {
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const refused = Array.from({ length: 1000 }, () => crypto.randomBytes(32).toString('base64url')).filter((s) => secretProblems([{ id: 'k1', secret: s }]).length);
    // A random 43-character string lacks a digit or a case about once in a thousand; even then it is
    // judged by the classes it uses, which a 43-character one still fills.
    expect(refused.length).toBeLessThanOrEqual(2);
  });
});

describe('send and serve refuse a weak secret', () => {
  test('regression: serve with the .env.example line refuses to start and prints the command', async () => {
    const project = await makeSendProject(1);
    const r = await runCli(['serve', '--port', '0'], { cwd: project.dir, env: { ...project.env, UNSUBSCRIBE_SECRET: 'k1:change-me' } });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `UNSUBSCRIBE_SECRET: the key "k1" is an example value, not a secret; anyone could forge unsubscribe links. Make one with: ${MAKE_SECRET_COMMAND}\n`,
    });
  });

  test('regression: send with a short secret refuses before anything is sent', async () => {
    const project = await makeSendProject(2);
    const r = await send(project, [], { UNSUBSCRIBE_SECRET: 'k1:hunter2-but-longer' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^UNSUBSCRIBE_SECRET: the key "k1" has about \d+ bytes of randomness, under the 32 needed; .*Make one with: node -e/);
    expect(fs.existsSync(path.join(project.dir, 'outbox'))).toBe(false);
  });

  test('a good secret sends', async () => {
    const project = await makeSendProject(1);
    const r = await send(project);
    expect(r.code).toBe(0);
  });
});
