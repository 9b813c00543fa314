import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declaresJointrainSchema, MODELINE_LINES } from '../../../src/shared/language/schemaModeline';

test('a modeline naming the jointrain schema by relative path, file URI or URL makes a YAML file an experiment', () => {
  for (const modeline of [
    '# yaml-language-server: $schema=../media/jointrain.schema.json',
    '# yaml-language-server: $schema=./jointrain.schema.json',
    '#yaml-language-server:$schema=jointrain.schema.json',
    '  # yaml-language-server: $schema=file:///home/me/jointrain/media/jointrain.schema.json',
    '# yaml-language-server: $schema=https://example.org/schemas/jointrain.schema.json?ref=main#',
    '# yaml-language-server: $schema=C:\\tools\\jointrain.schema.json\r',
  ]) {
    assert.equal(declaresJointrainSchema(`${modeline}\nversion: 1\n`), true, modeline);
  }
});

test('the modeline may follow other comments and blank lines near the top', () => {
  assert.equal(declaresJointrainSchema('# Digits and sensors\n\n---\n# yaml-language-server: $schema=jointrain.schema.json\nversion: 1\n'), true);
});

test('no modeline, another schema, a mention outside a comment or far down the file is not a declaration', () => {
  for (const text of [
    '',
    'version: 1\ndatasets: []\n',
    '# yaml-language-server: $schema=https://json.schemastore.org/github-workflow.json\n',
    '# yaml-language-server: $schema=jointrain.schema.json.bak\n',
    '# $schema=jointrain.schema.json\n',
    'note: "# yaml-language-server: $schema=jointrain.schema.json"\n',
    'key: value # yaml-language-server: $schema=jointrain.schema.json\n',
    `${'a: 1\n'.repeat(MODELINE_LINES)}# yaml-language-server: $schema=jointrain.schema.json\n`,
  ]) {
    assert.equal(declaresJointrainSchema(text), false, JSON.stringify(text));
  }
});
