import { AA_CONTRAST, contrastWithWhite, darkerPassingShade } from '../../src/render/quality/contrast';

describe('brand colour contrast', () => {
  it('measures contrast with white as WCAG does', () => {
    expect(contrastWithWhite('#000000')).toBeCloseTo(21, 5);
    expect(contrastWithWhite('#FFFFFF')).toBeCloseTo(1, 5);
    expect(contrastWithWhite('#EC1F27')).toBeCloseTo(4.38, 2);
  });

  it('darkens a brand colour that is too light just enough for AA, and keeps one that passes', () => {
    const shade = darkerPassingShade('#EC1F27');
    expect(contrastWithWhite(shade)).toBeGreaterThanOrEqual(AA_CONTRAST);
    expect(contrastWithWhite(shade)).toBeLessThan(AA_CONTRAST + 0.5);
    expect(shade).toMatch(/^#[0-9A-F]{6}$/);
    expect(darkerPassingShade('#B5121B')).toBe('#B5121B');
    expect(contrastWithWhite(darkerPassingShade('#FFD700'))).toBeGreaterThanOrEqual(AA_CONTRAST);
  });
});
