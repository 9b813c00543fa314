import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { experimentJsonSchemaText } from '../../../src/shared/experiment/schemaFile';
import { LAYER_TYPES } from '../../../src/shared/experiment/schema';
import { experimentReference } from '../../../src/shared/experiment/schemaReference';

const SCHEMA_FILE = join(__dirname, '..', '..', '..', 'media', 'jointrain.schema.json');
const REFERENCE_FILE = join(__dirname, '..', '..', '..', 'docs', 'experiment-reference.md');

/** JSON pointers of every property (at any depth) whose schema has no description. */
function propertiesWithoutDescription(node: unknown, pointer = '#'): string[] {
  if (Array.isArray(node)) return node.flatMap((item, index) => propertiesWithoutDescription(item, `${pointer}/${index}`));
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const own =
    typeof record.properties === 'object' && record.properties !== null
      ? Object.entries(record.properties).flatMap(([name, property]) =>
          typeof (property as { description?: unknown }).description === 'string' ? [] : [`${pointer}/properties/${name}`],
        )
      : [];
  return [...own, ...Object.entries(record).flatMap(([key, value]) => propertiesWithoutDescription(value, `${pointer}/${key}`))];
}

test('media/jointrain.schema.json is up to date with the experiment schema (run `npm run schema`)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), experimentJsonSchemaText());
});

test('docs/experiment-reference.md is generated from the same schema (run `npm run schema`)', () => {
  assert.equal(readFileSync(REFERENCE_FILE, 'utf8'), experimentReference());
});

test('the reference documents every layer type the schema accepts, with its arguments and defaults', () => {
  const reference = experimentReference();
  for (const type of LAYER_TYPES) assert.match(reference, new RegExp(`### .*\\\`${type}\\\``), type);
  assert.match(reference, /\| `padding` \| `valid`, `same` \| `"valid"` \|/);
  assert.match(reference, /\| `model\.heads\.<name>\.task` \| `"classification"` or `"regression"` \|/);
});

test('every property in the published schema has a description for editor hints', () => {
  const schema: unknown = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
  assert.deepEqual(propertiesWithoutDescription(schema), []);
});

test('the description check finds a property without one', () => {
  assert.deepEqual(propertiesWithoutDescription({ properties: { a: { description: 'x', properties: { b: { type: 'string' } } } } }), [
    '#/properties/a/properties/b',
  ]);
});

test('the published schema requires version, datasets and model at the top level', () => {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { required?: string[]; title?: string };
  assert.deepEqual(schema.required, ['version', 'datasets', 'model']);
  assert.equal(schema.title, 'jointrain experiment (version 1)');
});
