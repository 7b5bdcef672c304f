import { Command } from 'commander';
import { z } from 'zod';
import { PublicationSchema } from '../config/schema';
import { issueJsonSchema } from '../issue/schema';
import { println, type CliContext } from './context';

/** JSON Schema of newsletter.yaml, for editors' YAML extensions. */
export function configJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(PublicationSchema, { io: 'input', unrepresentable: 'any' }), title: 'Newsletter settings' };
}

export function schemaCommand(ctx: CliContext): Command {
  return new Command('schema')
    .description('print the JSON Schema of issue files (issue.schema.json), or of newsletter.yaml with --config')
    .option('--config', 'the schema of newsletter.yaml instead (newsletter.schema.json)')
    .action((opts: { config?: boolean }) => println(ctx.stdout, JSON.stringify(opts.config ? configJsonSchema() : issueJsonSchema(), null, 2)));
}
