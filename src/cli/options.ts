import { Option } from 'commander';

export function engineOption(): Option {
  return new Option('--engine <engine>', 'template engine (default: engine in newsletter.yaml)').choices(['react', 'mjml']);
}
