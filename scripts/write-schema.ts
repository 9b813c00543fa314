// Writes media/jointrain.schema.json from the experiment schema (src/shared/experiment/schema.ts).
// test/unit/schema-file.test.ts fails when the committed file is out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { experimentJsonSchemaText } from '../src/shared/experiment/schemaFile';

const target = join(__dirname, '..', 'media', 'jointrain.schema.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, experimentJsonSchemaText());
console.log(`wrote ${target}`);
