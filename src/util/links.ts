/** The only link schemes that may reach an email: anything else (javascript:, data:, file:) is refused. */
export const SAFE_SCHEMES = ['https:', 'http:', 'mailto:'] as const;

export function isSafeUrl(value: string): boolean {
  if (/[\s<>"'`]/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (!(SAFE_SCHEMES as readonly string[]).includes(url.protocol)) return false;
  if (url.protocol === 'mailto:') return url.pathname.includes('@');
  return url.hostname.length > 0;
}

export function isWebUrl(value: string): boolean {
  return isSafeUrl(value) && !value.toLowerCase().startsWith('mailto:');
}
