import type { CSSProperties } from 'react';

/** Shared look of the email; colours chosen to stay readable when a client inverts them for dark mode. */
export const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";
export const TEXT = '#1f2328';
export const MUTED = '#57606a';
export const RULE = '#d8dee4';
export const PAGE = '#f3f4f6';

export const paragraph: CSSProperties = { fontSize: '16px', lineHeight: '24px', margin: '0 0 12px', color: TEXT };
export const small: CSSProperties = { fontSize: '13px', lineHeight: '20px', margin: '0 0 8px', color: MUTED };
