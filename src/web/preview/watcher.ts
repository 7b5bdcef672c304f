import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from '../../config';
import { ISSUES_DIR, OUTBOX_DIR } from './project';

/**
 * Watches the project with fs.watch (chokidar 5 is ESM-only, which Jest's CommonJS cannot load):
 * the folder itself (newsletter.yaml, .env, issues/ and outbox/ appearing), issues/, outbox/ and the
 * compiled templates. Folders, not files, are watched, because editors save by writing a new file
 * and renaming it over the old one, which a watch on the old file would miss.
 */

/** Editors write a file in several chunks; changes within this time of the first are one save. */
export const DEBOUNCE_MS = 100;

export type Change = { kind: 'issue'; name: string } | { kind: 'config' } | { kind: 'templates' } | { kind: 'outbox' };

export interface ProjectWatcher {
  close(): void;
}

export function watchProject(root: string, templatesDir: string | undefined, onChanges: (changes: Change[]) => void): ProjectWatcher {
  const watchers = new Map<string, fs.FSWatcher>();
  let pending: Change[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const push = (change: Change) => {
    if (closed) return;
    pending.push(change);
    // Counted from the first change, not the last: a send writing the outbox non-stop must not
    // hold back an editor's save.
    timer ??= setTimeout(() => {
      const batch = pending;
      pending = [];
      timer = undefined;
      onChanges(batch);
    }, DEBOUNCE_MS);
  };

  const watch = (key: string, dir: string, recursive: boolean, onEvent: (name: string | null) => void) => {
    watchers.get(key)?.close();
    watchers.delete(key);
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, { recursive, persistent: false }, (_event, name) => onEvent(name === null ? null : String(name)));
    } catch {
      return; // not there (yet): the watch on the project folder attaches it when it appears
    }
    w.on('error', () => {
      // The folder was removed; it is watched again if it comes back.
      w.close();
      if (watchers.get(key) === w) watchers.delete(key);
    });
    watchers.set(key, w);
  };

  const watchIssues = () =>
    watch('issues', path.join(root, ISSUES_DIR), false, (name) => push(name ? { kind: 'issue', name } : { kind: 'config' }));
  const watchOutbox = () => watch('outbox', path.join(root, OUTBOX_DIR), true, () => push({ kind: 'outbox' }));

  watch('root', root, false, (name) => {
    if (name === CONFIG_FILE || name === '.env') push({ kind: 'config' });
    else if (name === ISSUES_DIR) {
      watchIssues();
      push({ kind: 'config' });
    } else if (name === OUTBOX_DIR) {
      watchOutbox();
      push({ kind: 'outbox' });
    }
  });
  watchIssues();
  watchOutbox();
  if (templatesDir) watch('templates', templatesDir, true, () => push({ kind: 'templates' }));

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
