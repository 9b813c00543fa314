import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { editorIssues } from '../../../src/shared/language/diagnostics';
import { hoverAt } from '../../../src/shared/language/hover';
import { quickFixesAt, type QuickFix } from '../../../src/shared/language/quickFixes';
import { atCursor } from './languageCursor';

const FILE = 'exp.jointrain.yaml';

function experiment(dataset: string[] = [], model: string[] = ['    digit: { task: classification }'], tail: string[] = []): string {
  return [
    'version: 1',
    'datasets:',
    '  - name: digits',
    '    type: images',
    '    path: data/digits',
    '    image: { size: [28, 28] }',
    ...dataset,
    'model:',
    '  stems:',
    '    image: {}',
    '  heads:',
    ...model,
    ...tail,
    '',
  ].join('\n');
}

function hover(marked: string): string | undefined {
  const { text, offset } = atCursor(marked);
  return hoverAt(text, offset)?.markdown;
}

function applyFix(text: string, fix: QuickFix | undefined): string {
  assert.ok(fix, 'a fix is offered');
  return [...fix.edits].sort((a, b) => b.start - a.start).reduce((result, edit) => result.slice(0, edit.start) + edit.newText + result.slice(edit.end), text);
}

function fixesOver(text: string, word: string): QuickFix[] {
  const start = text.indexOf(word);
  return quickFixesAt(text, FILE, start, start + word.length);
}

describe('hover', () => {
  test('a key shows its type, default, description and an example', () => {
    const markdown = hover('mixing:\n  strat|egy: uniform\n');
    assert.match(markdown ?? '', /\*\*strategy\*\*: `proportional \| uniform \| temperature \| weights`/);
    assert.match(markdown ?? '', /default `temperature`/);
    assert.match(markdown ?? '', /How each batch is shared across datasets/);
    assert.match(markdown ?? '', /```yaml\nstrategy: temperature\n```/);
  });

  test('a value shows the documentation of its key, also in a flow map', () => {
    assert.match(hover('training:\n  optimizer: { type: adam, learning_rate: 0.0|1 }\n') ?? '', /\*\*learning_rate\*\*: `number` · default `0.001`/);
  });

  test('a layer argument is documented for the chosen layer type', () => {
    assert.match(hover('model:\n  trunk: [{ type: dropout, ra|te: 0.5 }]\n') ?? '', /Fraction of inputs to drop/);
  });

  test('a stem name is described by the map it is in; a non-field is not hovered', () => {
    assert.match(hover('model:\n  stems:\n    ima|ge: {}\n') ?? '', /Per-input stems by name/);
    assert.equal(hover('version: 1\n|\n'), undefined);
  });
});

describe('diagnostics while typing', () => {
  test('a misspelt key is underlined exactly', () => {
    const text = experiment([], undefined, ['mixing: { stratgy: uniform }']);
    const [issue] = editorIssues(text, FILE, { schemaCheckedElsewhere: false });
    assert.equal(issue?.message, 'unknown key `stratgy` — did you mean `strategy`?');
    assert.deepEqual([issue?.line, issue?.column, issue?.endLine, issue?.endColumn], [12, 11, 12, 18]);
  });

  test('with Red Hat YAML active, schema problems are left to it while cross-field checks remain', () => {
    const schemaError = experiment([], undefined, ['mixing: { stratgy: uniform }']);
    assert.deepEqual(editorIssues(schemaError, FILE, { schemaCheckedElsewhere: true }), []);
    const undefinedHead = experiment(['    head: digt']);
    const [issue] = editorIssues(undefinedHead, FILE, { schemaCheckedElsewhere: true });
    assert.equal(issue?.message, 'head `digt` is not defined in model.heads — did you mean `digit`?');
    assert.deepEqual([issue?.line, issue?.column, issue?.endLine, issue?.endColumn], [7, 11, 7, 15]);
  });

  test('a YAML syntax error is reported where it is', () => {
    const [issue] = editorIssues('version: 1\ndatasets: [\n', FILE, { schemaCheckedElsewhere: false });
    assert.match(issue?.message ?? '', /^invalid YAML/);
  });
});

describe('quick fixes', () => {
  test('a misspelt key is replaced by the suggestion', () => {
    const text = experiment([], undefined, ['mixing: { stratgy: uniform }']);
    const [fix] = fixesOver(text, 'stratgy');
    assert.equal(fix?.title, 'Change to `strategy`');
    assert.equal(fix?.preferred, true);
    assert.match(applyFix(text, fix), /mixing: \{ strategy: uniform \}/);
  });

  test('a misspelt enum value is replaced by the suggestion', () => {
    const text = experiment([], undefined, ['mixing: { strategy: tempreature }']);
    assert.match(applyFix(text, fixesOver(text, 'tempreature')[0]), /strategy: temperature \}/);
  });

  test('a misspelt head name is corrected, or the head added under model.heads', () => {
    const text = experiment(['    head: digt']);
    const [rename, add] = fixesOver(text, 'digt');
    assert.equal(rename?.title, 'Change to `digit`');
    assert.match(applyFix(text, rename), /\n {4}head: digit\n/);
    assert.equal(add?.title, 'Add head `digt` to model.heads');
    assert.ok(applyFix(text, add).endsWith('  heads:\n    digit: { task: classification }\n    digt: { task: classification }\n'));
  });

  test('a head is added inside a flow map of heads', () => {
    const text = experiment(['    head: other'], []).replace('  heads:\n', '  heads: { digit: { task: classification } }\n');
    const add = fixesOver(text, 'other').find((fix) => fix.title.startsWith('Add head'));
    assert.match(applyFix(text, add), /heads: \{ digit: \{ task: classification \}, other: \{ task: classification \} \}/);
  });

  test('a dataset without a validation setting is offered `validation: { split: 0.2 }` after its last key', () => {
    const text = experiment();
    const offer = fixesOver(text, 'path: data/digits').find((fix) => fix.title.startsWith('Add `validation'));
    assert.equal(offer?.issue, undefined);
    assert.match(applyFix(text, offer), /image: \{ size: \[28, 28\] \}\n {4}validation: \{ split: 0.2 \}\nmodel:/);
    assert.equal(fixesOver(applyFix(text, offer), 'path: data/digits').length, 0, 'not offered once present');
  });

  test('an invalid validation setting is replaced by a split', () => {
    const text = experiment(['    validation: 3']);
    const fix = fixesOver(text, 'validation: 3').find((candidate) => candidate.title.startsWith('Set validation'));
    assert.match(applyFix(text, fix), /validation: \{ split: 0.2 \}/);
  });
});
