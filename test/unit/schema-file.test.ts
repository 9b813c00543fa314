import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { experimentJsonSchemaText } from '../../src/shared/experiment/schemaFile';

const SCHEMA_FILE = join(__dirname, '..', '..', 'media', 'jointrain.schema.json');

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

test('every property in the published schema has a description for editor hints', () => {
  const schema: unknown = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
  assert.deepEqual(propertiesWithoutDescription(schema), []);
});

test('the description check finds a property without one', () => {
  assert.deepEqual(propertiesWithoutDescription({ properties: { a: { description: 'x', properties: { b: { type: 'string' } } } } }), ['#/properties/a/properties/b']);
});

test('the published schema requires version, datasets and model at the top level', () => {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { required?: string[]; title?: string };
  assert.deepEqual(schema.required, ['version', 'datasets', 'model']);
  assert.equal(schema.title, 'jointrain experiment (version 1)');
});
