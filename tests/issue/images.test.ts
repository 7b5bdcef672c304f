import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { checkIssueFile, checkIssueSource } from '../../src/issue/load';
import { loadPublication } from '../../src/config';
import { buildView } from '../../src/issue/view';
import { renderText } from '../../src/render/text';
import { formatProblem } from '../../src/util/problems';
import { makeProject, REPO_ROOT, runCli } from '../helpers/cli';

/**
 * Pictures in an issue: `image: { src, alt }` on an event and `hero_image:`. What `check` says
 * about each kind of mistake (one line, at the field), and what it reads from the files.
 */

const ZONE = 'America/Los_Angeles';
const HEAD = 'week_of: 2021-03-22\nsubject: Hi\npreheader: A line\n';
/** An event whose `image:` is on line 9. */
const withImage = (image: string) => `${HEAD}sections:\n  - title: S\n    events:\n      - title: A\n        start: 2021-03-23T18:00\n        image: ${image}\n`;

/** A PNG of the given size: opaque, or with a transparent first pixel. */
function png(width: number, height: number, opts: { transparent?: boolean; noise?: boolean } = {}): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < image.data.length; i += 4) {
    // Noise does not compress, so the file is as heavy as its pixels.
    const v = opts.noise ? Math.floor(Math.random() * 256) : 200;
    image.data[i] = v;
    image.data[i + 1] = opts.noise ? Math.floor(Math.random() * 256) : 80;
    image.data[i + 2] = 40;
    image.data[i + 3] = 255;
  }
  if (opts.transparent) image.data[3] = 0;
  return PNG.sync.write(image);
}

/** An issue file with the given pictures next to it; returns the problems `check` reports. */
function check(source: string, files: Record<string, Buffer | string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'images-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  fs.writeFileSync(path.join(dir, 'x.yaml'), source);
  const loaded = checkIssueFile(path.join(dir, 'x.yaml'), ZONE, 'x.yaml');
  return { loaded, lines: loaded.problems.map(formatProblem), dir };
}

describe('check refuses a picture it cannot publish, at its line', () => {
  it.each([
    ['no alt', '{ src: images/a.png }', 'x.yaml:9:16  error  sections[0].events[0] ("A").image.alt: is required'],
    ['an empty alt', '{ src: images/a.png, alt: "" }', 'x.yaml:9:42  error  sections[0].events[0] ("A").image.alt: must describe the picture (for screen readers, blocked images and the plain-text part)'],
    ['an http: picture', '{ src: "http://example.org/a.png", alt: Rally }', 'x.yaml:9:23  error  sections[0].events[0] ("A").image.src: must be an https link or a file next to the issue such as images/rally.png (.png, .jpg, .gif or .webp; no "..")'],
    ['a file above the issue', '{ src: ../secret.png, alt: Rally }', 'x.yaml:9:23  error  sections[0].events[0] ("A").image.src: must be an https link or a file next to the issue such as images/rally.png (.png, .jpg, .gif or .webp; no "..")'],
    ['an absolute path', '{ src: /etc/passwd.png, alt: Rally }', 'x.yaml:9:23  error  sections[0].events[0] ("A").image.src: must be an https link or a file next to the issue such as images/rally.png (.png, .jpg, .gif or .webp; no "..")'],
    ['not a picture format', '{ src: images/flyer.pdf, alt: Rally }', 'x.yaml:9:23  error  sections[0].events[0] ("A").image.src: must be an https link or a file next to the issue such as images/rally.png (.png, .jpg, .gif or .webp; no "..")'],
    ['a missing file', '{ src: images/nope.png, alt: Rally }', 'x.yaml:9:23  error  sections[0].events[0] ("A").image.src: no such file: images/nope.png (next to the issue) (put the picture in '],
    ['a file that is not a picture', '{ src: images/fake.png, alt: Rally }', 'x.yaml:9:23  error  sections[0].events[0] ("A").image.src: images/fake.png is not a picture that mail clients show (use a PNG, JPEG, GIF or WebP file)'],
    ['an unknown key', '{ src: images/a.png, alt: Rally, width: 300 }', 'x.yaml:9:49  error  sections[0].events[0] ("A").image.width: unknown field "width" (allowed here: src, alt)'],
  ])('%s', (_name, image, expected) => {
    const { loaded, lines } = check(withImage(image), { 'images/a.png': png(10, 10), 'images/fake.png': 'not a png' });
    const errors = lines.filter((l) => l.includes(' error '));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.startsWith(expected)).toBe(true);
    expect(loaded.issue).toBeUndefined();
  });

  it('refuses two files that would be published under one name', () => {
    const source = `${HEAD}hero_image: { src: a/rally.png, alt: One }\nsections:\n  - title: S\n    events:\n      - title: A\n        start: 2021-03-23T18:00\n        image: { src: b/rally.png, alt: Two }\n`;
    const { lines } = check(source, { 'a/rally.png': png(10, 10), 'b/rally.png': png(20, 10) });
    expect(lines.filter((l) => l.includes(' error '))).toEqual(['x.yaml:10:23  error  sections[0].events[0] ("A").image.src: b/rally.png and a/rally.png would both be published as images/rally.png (rename one of the files)']);
  });

  it('refuses a symbolic link that leads out of the issue’s folder', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-'));
    fs.writeFileSync(path.join(outside, 'secret.png'), png(10, 10));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'images-'));
    fs.mkdirSync(path.join(dir, 'images'));
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(dir, 'images', 'link.png'));
    fs.writeFileSync(path.join(dir, 'x.yaml'), withImage('{ src: images/link.png, alt: Rally }'));
    const loaded = checkIssueFile(path.join(dir, 'x.yaml'), ZONE, 'x.yaml');
    expect(loaded.problems.map(formatProblem)).toContain('x.yaml:9:23  error  sections[0].events[0] ("A").image.src: images/link.png leads outside the issue\'s folder (copy the picture next to the issue)');
  });

  it('accepts an https picture without reading anything', () => {
    const result = checkIssueSource('x.yaml', withImage('{ src: "https://example.org/flyer.jpg", alt: "Rally at Grand Park, Monday 8 am" }'), ZONE);
    expect(result.problems).toEqual([]);
    expect(result.issue).toBeDefined();
  });
});

describe('check warns about pictures that will let readers down', () => {
  it.each([
    ['a picture over 200 KB', () => ({ 'images/a.png': png(300, 300, { noise: true }) }), /warning {2}sections\[0\]\.events\[0\] \("A"\)\.image\.src: images\/a\.png is \d+ KB; pictures over 200 KB are slow on a phone \(export it about 300 px wide as JPEG, or compress it\)/],
    ['a transparent PNG (dark mode)', () => ({ 'images/a.png': png(10, 10, { transparent: true }) }), /warning {2}sections\[0\]\.events\[0\] \("A"\)\.image\.src: images\/a\.png has transparent areas: in dark mode they show the dark background/],
  ])('%s', (_name, files, expected) => {
    const { lines, loaded } = check(withImage('{ src: images/a.png, alt: "Rally at Grand Park, Monday 8 am" }'), files());
    expect(lines.filter((l) => l.includes(' warning ') && l.includes('image'))).toEqual([expect.stringMatching(expected)]);
    expect(loaded.issue).toBeDefined();
  });

  it('an opaque PNG under 200 KB gets no warning', () => {
    const { lines } = check(withImage('{ src: images/a.png, alt: "Rally at Grand Park, Monday 8 am" }'), { 'images/a.png': png(200, 100) });
    expect(lines.filter((l) => l.includes('image'))).toEqual([]);
  });

  it('an issue whose pictures add up to more than 1 MB', () => {
    const events = [0, 1, 2, 3, 4]
      .map((i) => `      - title: E${i}\n        start: 2021-03-23T18:0${i}\n        image: { src: images/${i}.png, alt: "Flyer number ${i} for the meeting" }\n`)
      .join('');
    const noise = png(300, 300, { noise: true });
    const files = Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`images/${i}.png`, noise]));
    const { lines } = check(`${HEAD}sections:\n  - title: S\n    events:\n${events}`, files);
    expect(lines.filter((l) => l.includes('add up'))).toEqual([expect.stringMatching(/sections\[0\]\.events\[4\] \("E4"\)\.image\.src: the issue's pictures add up to 1\.\d MB; over 1\.0 MB is slow to load on a phone \(compress them or use fewer\)$/)]);
  });

  it.each(['flyer', 'Image', 'photo 2', 'images/a.png', 'a.png'])('an alt text that says nothing about the picture: "%s"', (alt) => {
    const { lines } = check(withImage(`{ src: images/a.png, alt: "${alt}" }`), { 'images/a.png': png(10, 10) });
    expect(lines).toEqual([
      `x.yaml:9:42  warning  sections[0].events[0] ("A").image.alt: "${alt}" does not say what the picture shows; the plain-text part and screen readers get only this (describe it, e.g. "Flyer: rally at Grand Park, Monday 8 am")`,
    ]);
  });
});

describe('a local picture in the view', () => {
  const pub = loadPublication(REPO_ROOT);

  it('is published under the issue’s images/ with the width and height of the file, scaled to the column', () => {
    const { loaded } = check(`${withImage('{ src: images/big.jpg, alt: "Rally" }')}hero_image: { src: images/small.png, alt: "Banner" }\n`, {
      // The seed's flyer, 1104 × 621.
      'images/big.jpg': fs.readFileSync(path.join(REPO_ROOT, 'issues', 'images', 'bamazon-rally.jpg')),
      'images/small.png': png(300, 100),
    });
    const view = buildView(loaded.issue!, pub, { slug: 'x', images: loaded.images });
    expect(view.sections[0]!.events[0]!.image).toEqual({ src: 'https://news.example.org/issues/x/images/big.jpg', alt: 'Rally', width: 552, height: 311 });
    // Never drawn wider than the file.
    expect(view.hero).toEqual({ src: 'https://news.example.org/issues/x/images/small.png', alt: 'Banner', width: 300, height: 100 });
  });

  it('appears in the plain-text part as its text alternative', () => {
    const { loaded } = check(withImage('{ src: images/a.png, alt: "Rally at Grand Park, Monday 8 am" }'), { 'images/a.png': png(10, 10) });
    const text = renderText(buildView(loaded.issue!, pub, { slug: 'x', images: loaded.images }));
    expect(text).toContain('[Picture: Rally at Grand Park, Monday 8 am]');
  });
});

describe('newsletter build publishes the pictures next to the issue', () => {
  it('copies the seed’s flyer into dist/<issue>/images/ and lists it', async () => {
    const dir = makeProject();
    const result = await runCli(['build', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dist\/2021-03-22\/e\/[a-z0-9]{7}\.html +"Add to calendar" page: DSA 101, for https:\/\/news\.example\.org\/issues\/2021-03-22\/e\/[a-z0-9]{7}\.html\n/);
    expect(result.stdout).toMatch(/dist\/2021-03-22\/images\/bamazon-rally\.jpg +picture, for https:\/\/news\.example\.org\/issues\/2021-03-22\/images\/bamazon-rally\.jpg/);
    expect(fs.readFileSync(path.join(dir, 'dist', '2021-03-22', 'images', 'bamazon-rally.jpg'))).toEqual(fs.readFileSync(path.join(REPO_ROOT, 'issues', 'images', 'bamazon-rally.jpg')));
  });

  it('removes a picture the issue no longer uses', async () => {
    const dir = makeProject();
    const stale = path.join(dir, 'dist', '2021-03-22', 'images', 'old-flyer.png');
    fs.mkdirSync(path.dirname(stale), { recursive: true });
    fs.writeFileSync(stale, png(10, 10));
    expect((await runCli(['build', 'issues/2021-03-22.yaml'], { cwd: dir })).code).toBe(0);
    expect(fs.existsSync(stale)).toBe(false);
  });

  it('stops, writing nothing, when a picture is missing', async () => {
    const dir = makeProject();
    fs.rmSync(path.join(dir, 'issues', 'images'), { recursive: true });
    const result = await runCli(['build', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('issues/2021-03-22.yaml:18:19  error  featured[0] ("Solidarity with BAmazon Union! Rally at Grand Park").image.src: no such file: images/bamazon-rally.jpg (next to the issue)');
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});
