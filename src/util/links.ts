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

/** A picture on the web: https only, so a mail client never refuses it as mixed content. */
export function isImageUrl(value: string): boolean {
  return isSafeUrl(value) && value.toLowerCase().startsWith('https:');
}

/** The picture formats mail clients show; a local image's extension must be one of them. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.gif', '.webp'] as const;

/**
 * A file next to the issue, as a relative path of plain names (`images/rally.png`): no absolute
 * path, no `..`, no backslash, nothing a URL or a file system would read differently.
 */
export function isLocalImagePath(value: string): boolean {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/.test(value)) return false;
  if (value.split('/').some((part) => part === '.' || part === '..')) return false;
  return (IMAGE_EXTENSIONS as readonly string[]).includes(value.slice(value.lastIndexOf('.')).toLowerCase());
}
