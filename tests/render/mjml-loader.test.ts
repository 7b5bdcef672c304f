import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli';

/**
 * MJML loads without juice, the full cheerio (and its undici), htmlnano and cssnano's preset
 * (they cost a cold `check` about 150 ms): stand-ins load them only when used. Module loading is Node's, not Jest's, so this runs
 * the compiled loader (lib/, built by `npm ci`) in a real Node process.
 */
const LOADER = path.join(REPO_ROOT, 'lib', 'src', 'render', 'mjml-loader.js');

function inNode(script: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as Record<string, unknown>;
}

const LOADED = `const loaded = (name) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + name + '/'));`;
const MARKUP = `<mjml><mj-head><mj-style>.note { color: #112233; }</mj-style></mj-head><mj-body><mj-section><mj-column><mj-text css-class="note">Hello   <b>there</b></mj-text></mj-column></mj-section></mj-body></mjml>`;

/** Uses what the stand-ins stand for: inlined styles (juice) and html attributes (cheerio). */
const MARKUP_USING_ALL = `<mjml><mj-head><mj-style inline="inline">.note { color: #445566; }</mj-style><mj-html-attributes><mj-selector path=".note div"><mj-html-attribute name="data-id">42</mj-html-attribute></mj-selector></mj-html-attributes></mj-head><mj-body><mj-section><mj-column><mj-text css-class="note">Hi</mj-text></mj-column></mj-section></mj-body></mjml>`;

describe('MJML without the packages it never uses here', () => {
  test('loading MJML leaves juice, cheerio, undici, htmlnano and cssnano unloaded, and renders as before', () => {
    const r = inNode(`${LOADED}
      const mjml2html = require(${JSON.stringify(LOADER)}).requireMjml();
      Promise.resolve(mjml2html(${JSON.stringify(MARKUP)}, { validationLevel: 'strict', minify: false })).then(({ html }) => {
        console.log(JSON.stringify({ mjml: loaded('mjml-core'), juice: loaded('juice'), cheerio: loaded('cheerio'), htmlnano: loaded('htmlnano'), cssnano: loaded('cssnano-preset-lite'), undici: loaded('undici'), ok: html.includes('Hello') && html.includes('#112233') }));
      });`);
    expect(r).toEqual({ mjml: true, juice: false, cheerio: false, htmlnano: false, cssnano: false, undici: false, ok: true });
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

  test('inlined styles and html attributes (juice and cheerio through their stand-ins) render as with plain MJML', () => {
    const render = (load: string) =>
      inNode(`
        const mjml2html = ${load};
        Promise.resolve(mjml2html(${JSON.stringify(MARKUP_USING_ALL)}, { validationLevel: 'strict' })).then(({ html }) => console.log(JSON.stringify({ html })));`).html as string;
    const ours = render(`require(${JSON.stringify(LOADER)}).requireMjml()`);
    expect(ours).toBe(render(`require('mjml')`));
    expect(ours).toMatch(/style="[^"]*color:\s*#445566/);
    expect(ours).toContain('data-id="42"');
  });
});
