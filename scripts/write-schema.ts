// Writes media/jointrain.schema.json and docs/experiment-reference.md from the experiment schema
// (src/shared/experiment/schema.ts). test/unit/repo/schema-file.test.ts fails when either is out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { experimentJsonSchemaText } from '../src/shared/experiment/schemaFile';
import { experimentReference } from '../src/shared/experiment/schemaReference';

const outputs: Array<[string, string]> = [
  [join(__dirname, '..', 'media', 'jointrain.schema.json'), experimentJsonSchemaText()],
  [join(__dirname, '..', 'docs', 'experiment-reference.md'), experimentReference()],
];
for (const [target, text] of outputs) {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
