/**
 * An address as the unsubscribe page shows it: enough for its owner to recognise it
 * (`a***@example.org`), not enough for someone holding a forwarded link to learn it.
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  // Code points, so an address that starts with an accented or non-Latin letter keeps it whole.
  const first = Array.from(address.slice(0, at))[0]!;
  return `${first}***@${address.slice(at + 1).toLowerCase()}`;
}
