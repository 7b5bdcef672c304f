import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PublishedAsset } from '../../src/render/publish';
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

/**
 * Answers the page's requests for an issue's published files (its pictures, its pages) from
 * what the build publishes, as `serve` would on site_url; every other request is refused, so a
 * picture on the web shows its alt text as it would with images blocked.
 */
export async function serveAssets(page: Page, webUrl: string, assets: readonly PublishedAsset[]): Promise<void> {
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (!url.startsWith(webUrl)) return route.abort();
    const name = url.slice(webUrl.length).split(/[?#]/)[0]!;
    const asset = assets.find((a) => a.path === (name === '' ? 'web.html' : name));
    if (!asset) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ status: 200, body: asset.body, contentType: asset.contentType });
  });
}
