import fs from 'node:fs';
import path from 'node:path';
import type { CliContext } from './context';

/**
 * An issue as the editor names it on the command line: the file (`issues/2021-03-22.yaml`) or its
 * name (`2021-03-22`, as `status` lists it). Returns the file as it is shown in messages, relative
 * to the current folder. A name that matches no file is returned as given, so the caller's "no such
 * file" message names what the editor typed.
 */
export function issueFileArgument(ctx: CliContext, arg: string): string {
  const given = path.relative(ctx.cwd, path.resolve(ctx.cwd, arg)) || arg;
  if (fs.existsSync(path.resolve(ctx.cwd, arg))) return given;
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(arg) && !/\.ya?ml$/i.test(arg)) {
    for (const ext of ['yaml', 'yml']) {
      const candidate = path.join('issues', `${arg}.${ext}`);
      if (fs.existsSync(path.join(ctx.cwd, candidate))) return candidate.split(path.sep).join('/');
    }
  }
  return given;
}
