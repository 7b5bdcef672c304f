import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli';

/**
 * MJML loads without htmlnano, cssnano's preset and undici (they cost a cold `check` about
 * 110 ms): stand-ins load them only when used. Module loading is Node's, not Jest's, so this runs
 * the compiled loader (lib/, built by `npm ci`) in a real Node process.
 */
const LOADER = path.join(REPO_ROOT, 'lib', 'src', 'render', 'mjml-loader.js');

function inNode(script: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as Record<string, unknown>;
}

const LOADED = `const loaded = (name) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + name + '/'));`;
const MARKUP = `<mjml><mj-head><mj-style>.note { color: #112233; }</mj-style></mj-head><mj-body><mj-section><mj-column><mj-text css-class="note">Hello   <b>there</b></mj-text></mj-column></mj-section></mj-body></mjml>`;

describe('MJML without the packages it never uses here', () => {
  test('loading MJML leaves htmlnano, cssnano and undici unloaded, and renders as before', () => {
    const r = inNode(`${LOADED}
      const mjml2html = require(${JSON.stringify(LOADER)}).requireMjml();
      Promise.resolve(mjml2html(${JSON.stringify(MARKUP)}, { validationLevel: 'strict', minify: false })).then(({ html }) => {
        console.log(JSON.stringify({ mjml: loaded('mjml-core'), htmlnano: loaded('htmlnano'), cssnano: loaded('cssnano-preset-lite'), undici: loaded('undici'), ok: html.includes('Hello') && html.includes('#112233') }));
      });`);
    expect(r).toEqual({ mjml: true, htmlnano: false, cssnano: false, undici: false, ok: true });
  });

  test('the same as plain MJML when it minifies (the stand-ins load the real packages), and the same HTML otherwise', () => {
    const r = inNode(`
      const mjml2html = require(${JSON.stringify(LOADER)}).requireMjml();
      const options = { validationLevel: 'strict', minify: true, minifyOptions: { minifyCss: 'lite' } };
      Promise.all([mjml2html(${JSON.stringify(MARKUP)}, options), mjml2html(${JSON.stringify(MARKUP)}, { validationLevel: 'strict' })]).then(([min, plain]) => {
        const loaded = (name) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + name + '/'));
        console.log(JSON.stringify({ min: min.html, plain: plain.html, htmlnano: loaded('htmlnano') }));
      });`);
    const reference = inNode(`
      const mjml2html = require('mjml');
      const options = { validationLevel: 'strict', minify: true, minifyOptions: { minifyCss: 'lite' } };
      Promise.all([mjml2html(${JSON.stringify(MARKUP)}, options), mjml2html(${JSON.stringify(MARKUP)}, { validationLevel: 'strict' })]).then(([min, plain]) => {
        console.log(JSON.stringify({ min: min.html, plain: plain.html }));
      });`);
    expect(r.htmlnano).toBe(true);
    expect(r.min).toBe(reference.min);
    expect(r.plain).toBe(reference.plain);
    expect((r.min as string).length).toBeLessThan((r.plain as string).length);
  });

  test("cheerio's URL fetcher still works through the stand-in for undici", () => {
    const r = inNode(`
      require(${JSON.stringify(LOADER)}).requireMjml();
      const cheerio = require(require.resolve('cheerio', { paths: [require.resolve('mjml-core')] }));
      const before = Object.keys(require.cache).some((f) => f.includes('/node_modules/undici/'));
      const http = require('node:http');
      const server = http.createServer((q, s) => { s.setHeader('content-type', 'text/html'); s.end('<p class="x">fetched</p>'); }).listen(0, '127.0.0.1', async () => {
        const $ = await cheerio.fromURL('http://127.0.0.1:' + server.address().port + '/');
        server.close();
        console.log(JSON.stringify({ before, text: $('p.x').text() }));
      });`);
    expect(r).toEqual({ before: false, text: 'fetched' });
  });
});
