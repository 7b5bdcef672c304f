'use strict';
/**
 * The README's gallery: the seed issue's email in both engines, light and dark, on a phone and on
 * a desktop, as real Chromium draws it. Rewrites docs/gallery/*.jpg.
 *
 *   npm run gallery        (compiles the TypeScript first)
 *
 * The issue is built into a temporary folder and every request for site_url (the flyer, say) is
 * answered from that build, so the pictures show what members see once `serve` publishes the issue.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { DateTime } = require('luxon');

const ROOT = path.resolve(__dirname, '..');
const SEED_ISSUE = 'issues/2021-03-22.yaml';
const OUT = path.join(ROOT, 'docs', 'gallery');
/** The day before the seed's send, so "(TODAY)" and the dates read as members read them. */
const NOW = '2021-03-21T12:00';
const SIZES = { phone: { width: 375, height: 812 }, desktop: { width: 800, height: 900 } };
/** JPEG keeps a full-length email a few hundred KB; the gallery is for looking, not for pixel tests. */
const QUALITY = 78;

const lib = (name) => require(path.join(ROOT, 'lib', 'src', name));

async function main() {
  const { loadConfig } = lib('config');
  const { buildIssue } = lib('render/build');
  const config = loadConfig(ROOT, {});
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    for (const engine of ['react', 'mjml']) {
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gallery-'));
      const now = DateTime.fromISO(NOW, { zone: config.publication.timezone });
      const built = await buildIssue({ config, file: path.join(ROOT, SEED_ISSUE), display: SEED_ISSUE, engine, outDir, now });
      const html = fs.readFileSync(path.join(outDir, 'email.html'), 'utf8');
      for (const [size, viewport] of Object.entries(SIZES)) {
        for (const scheme of ['light', 'dark']) {
          const page = await browser.newPage({ viewport, colorScheme: scheme });
          await serveFromBuild(page, built.view.urls.web, outDir);
          await page.setContent(html, { waitUntil: 'load' });
          const file = path.join(OUT, `${engine}-${size}-${scheme}.jpg`);
          await page.screenshot({ path: file, fullPage: true, type: 'jpeg', quality: QUALITY });
          await page.close();
          process.stdout.write(`${path.relative(ROOT, file)}\n`);
        }
      }
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  } finally {
    await browser.close();
  }
}

/** Requests under the issue's web address get the built files; anything else on the network is refused. */
async function serveFromBuild(page, webUrl, outDir) {
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (!url.startsWith(webUrl)) return route.abort();
    const name = decodeURIComponent(url.slice(webUrl.length).split(/[?#]/)[0]);
    const file = path.join(outDir, name || 'web.html');
    if (name.includes('..') || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ status: 200, body: fs.readFileSync(file), contentType: contentType(file) });
  });
}

function contentType(file) {
  const ext = path.extname(file).toLowerCase();
  return { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.gif': 'image/gif', '.webp': 'image/webp', '.html': 'text/html' }[ext] ?? 'application/octet-stream';
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
