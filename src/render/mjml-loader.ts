import Module from 'node:module';

/**
 * Loads MJML without the packages it loads for work this program never asks of it.
 *
 * `mjml-core` requires at start-up what it uses only for features our template does not use:
 * juice, only for `<mj-style inline="inline">`; the full cheerio (which also loads undici, for
 * `fromURL`), only for `<mj-html-attributes>`; htmlnano and cssnano's lite preset, only to minify
 * (we render with `minify: false`). Together they were about 150 ms of a cold
 * `check --engine mjml`, 0.9 s in all. While `mjml` loads, those requires (and only from those
 * packages) get a stand-in that loads the real package at its first use, so nothing changes if
 * one is ever used; `tests/render/mjml-loader.test.ts` renders and minifies through the
 * stand-ins and compares with MJML loaded as it is.
 */
const DEFERRED: readonly { request: string; from: string }[] = [
  { request: 'juice', from: '/node_modules/mjml-core/' },
  { request: 'cheerio', from: '/node_modules/mjml-core/' },
  { request: 'htmlnano', from: '/node_modules/mjml-core/' },
  { request: 'cssnano-preset-lite', from: '/node_modules/mjml-core/' },
];

type Load = (request: string, parent: { filename?: string | null } | undefined, isMain: boolean) => unknown;

export function requireMjml(): typeof import('mjml') {
  const loader = Module as unknown as { _load: Load };
  const load = loader._load;
  loader._load = function (request, parent, isMain) {
    const from = parent?.filename?.replace(/\\/g, '/') ?? '';
    if (DEFERRED.some((d) => d.request === request && from.includes(d.from))) {
      return deferred(() => load.call(this, request, parent, isMain));
    }
    return load.call(this, request, parent, isMain);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('mjml') as typeof import('mjml');
  } finally {
    loader._load = load;
  }
}

/**
 * A stand-in for a module: a function (cssnano's preset is one) whose every use loads the real
 * module and forwards to it. It says it is an ES module, so Babel's and TypeScript's import
 * helpers hand it back as it is instead of copying its properties (which would load it at once);
 * its `default` is then the real module's default export (or the module itself).
 */
function deferred(loadReal: () => unknown): unknown {
  let real: unknown;
  const target = (): Record<PropertyKey, unknown> => (real ??= loadReal()) as Record<PropertyKey, unknown>;
  const stand = function (this: unknown, ...args: unknown[]) {
    return (target() as unknown as (...a: unknown[]) => unknown).apply(this, args);
  };
  return new Proxy(stand, {
    get(_fn, key) {
      if (key === '__esModule') return true;
      const module = target();
      if (key === 'default') return module.__esModule ? module.default : module;
      const value = module[key];
      return typeof value === 'function' ? value.bind(module) : value;
    },
    has: (_fn, key) => key === '__esModule' || key in target(),
  });
}
