import type { Rich as RichText } from '../../src/issue/view';

/**
 * Markdown the editor wrote, already rendered to safe HTML by src/render/markdown.ts
 * (raw HTML disabled, only https/http/mailto links), so it can be inserted as is.
 */
export function Rich({ value, className }: { value: RichText; className?: string }) {
  return <div className={className ?? 'rich'} dangerouslySetInnerHTML={{ __html: value.html }} />;
}
