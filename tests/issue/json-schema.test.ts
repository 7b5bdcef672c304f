import fs from 'node:fs';
import path from 'node:path';
import { configJsonSchema } from '../../src/cli/schema';
import { issueJsonSchema } from '../../src/issue/schema';
import { REPO_ROOT } from '../helpers/cli';

/** Editors' YAML extensions read the committed files; they must match the schema the program uses. */
describe('committed JSON Schemas', () => {
  it.each([
    ['issue.schema.json', issueJsonSchema],
    ['newsletter.schema.json', configJsonSchema],
  ])('%s is up to date (run `npm run schema` to refresh it)', (file, make) => {
    const committed = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'));
    expect(committed).toEqual(make());
  });

  it('describes the event fields and forbids unknown keys', () => {
    const schema = issueJsonSchema() as { properties: Record<string, any> };
    const event = schema.properties.sections.items.properties.events.items;
    expect(Object.keys(event.properties)).toEqual(['id', 'title', 'start', 'end', 'location', 'online', 'description', 'details', 'notes', 'links', 'image']);
    expect(event.required).toEqual(['title', 'start']);
    expect(event.properties.image.required).toEqual(['src', 'alt']);
    expect(event.additionalProperties).toBe(false);
  });
});
