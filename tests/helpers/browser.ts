import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from './cli';

/** Debian's Chromium, installed by scripts/install-system-deps.sh (never a downloaded browser). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The machine's network is closed: without these flags Chromium keeps trying to reach Google. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Screenshots the tests save for people to look at: test-output/screenshots/<name>.png */
export function screenshotPath(name: string): string {
  const dir = path.join(REPO_ROOT, 'test-output', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}
