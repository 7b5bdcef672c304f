/**
 * WCAG contrast between the brand colour and the white text the templates put on it (the header
 * and the primary buttons). Below AA's 4.5:1 the button text is hard to read for many people.
 */
export const AA_CONTRAST = 4.5;

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrastWithWhite(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}

/** The same hue made darker, step by step, until white text on it passes AA. */
export function darkerPassingShade(hex: string): string {
  let [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let shade = hex;
  while (contrastWithWhite(shade) < AA_CONTRAST) {
    [r, g, b] = [r!, g!, b!].map((v) => Math.floor(v * 0.97));
    shade = `#${[r, g, b].map((v) => v!.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
  }
  return shade;
}

/** `hex` laid over `base` at `amount` (0–1) opacity: the tints of the featured card. */
export function mixColors(hex: string, base: string, amount: number): string {
  const channels = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const a = channels(hex);
  const b = channels(base);
  return `#${a.map((v, i) => Math.round(v * amount + b[i]! * (1 - amount)).toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}
