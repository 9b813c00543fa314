import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { completeAt, type CompletionEnvironment, type CompletionEntry } from '../../../src/shared/language/completion';
import { atCursor } from './languageCursor';

const FILES: Record<string, Array<{ name: string; folder: boolean }>> = {
  '': [
    { name: 'data', folder: true },
    { name: 'sensors.csv', folder: false },
    { name: '.git', folder: true },
  ],
  'data/': [
    { name: 'digits', folder: true },
    { name: 'readme.txt', folder: false },
  ],
  'data/digits': [
    { name: '3', folder: true },
    { name: '7', folder: true },
  ],
};
const TEXTS: Record<string, string> = {
  'sensors.csv': 'temp,humidity,wind,rain\n21,0.4,3,dry\n18,0.9,5,"wet"\n19,0.7,2,dry\n',
  'semicolons.csv': 'when;temp;sky\n1;20;clear\n2;14;cloudy\n3;9;cloud',
};
const environment: CompletionEnvironment = {
  listDirectory: async (path) => FILES[path] ?? [],
  readFileStart: async (path, bytes) => TEXTS[path]?.slice(0, bytes),
};

async function complete(marked: string): Promise<CompletionEntry[]> {
  const { text, offset } = atCursor(marked);
  return completeAt(text, offset, environment);
}

async function labels(marked: string): Promise<string[]> {
  return (await complete(marked)).map((entry) => entry.label);
}

const MODEL = ['model:', '  stems:', '    image: {}', '    table: {}', '  heads:', '    digit: { task: classification }', ''].join('\n');

describe('completion of keys', () => {
  test('an empty document offers the top-level keys, `version: 1` first', async () => {
    const entries = await complete('|');
    assert.deepEqual(
      entries.map((entry) => entry.label),
      ['version', 'name', 'datasets', 'mixing', 'model', 'training'],
    );
    assert.equal(entries[0]?.insertText, 'version: 1');
    assert.match(entries[0]?.documentation ?? '', /Format version of this file/);
  });

  test('keys already in the map are not offered again, and the word typed is what gets replaced', async () => {
    const entries = await complete('version: 1\nmix|');
    assert.deepEqual(
      entries.map((entry) => entry.label),
      ['name', 'datasets', 'mixing', 'model', 'training'],
    );
    assert.deepEqual(entries[0]?.replace, { start: 11, end: 14 });
  });

  test('inside a dataset before its type: the keys of every dataset type, `type` as a choice of both', async () => {
    const entries = await complete('version: 1\ndatasets:\n  - name: a\n    |\n');
    const type = entries.find((entry) => entry.label === 'type');
    assert.equal(type?.insertText, 'type: ${1|images,csv|}');
    assert.ok(entries.some((entry) => entry.label === 'image') && entries.some((entry) => entry.label === 'csv'));
    assert.ok(!entries.some((entry) => entry.label === 'name'));
  });

  test('inside an images dataset: only its own keys, with snippet bodies of the required fields', async () => {
    const entries = await complete('datasets:\n  - name: a\n    type: images\n    |\n');
    assert.ok(!entries.some((entry) => entry.label === 'csv'));
    assert.equal(entries.find((entry) => entry.label === 'image')?.insertText, 'image:\n  size: $1');
  });

  test('a list of maps is started with `- `', async () => {
    const entries = await complete('version: 1\n|');
    assert.equal(entries.find((entry) => entry.label === 'datasets')?.insertText, 'datasets:\n  - $1');
  });

  test('inside a flow map: the remaining keys, each on one line', async () => {
    const entries = await complete('mixing: { strategy: uniform, | }');
    assert.deepEqual(
      entries.map((entry) => entry.label),
      ['temperature', 'temperature_schedule', 'epoch_end'],
    );
    assert.equal(entries[2]?.insertText, 'epoch_end: ${1|all_exhausted,first_exhausted|}');
  });

  test('after a layer `type`, the arguments of that layer', async () => {
    assert.deepEqual(await labels('model:\n  trunk:\n    - type: dense\n      |\n'), [
      'units',
      'activation',
      'use_bias',
      'kernel_initializer',
      'bias_initializer',
    ]);
    assert.deepEqual(await labels('model:\n  trunk: [{ type: conv2d, | }]\n'), [
      'filters',
      'kernel_size',
      'strides',
      'padding',
      'activation',
      'use_bias',
      'kernel_initializer',
      'bias_initializer',
    ]);
    assert.deepEqual(await labels('model:\n  trunk: [{ type: dropout, | }]\n'), ['rate']);
  });

  test('a new list item starts with the keys of its element, `type` first for a layer', async () => {
    assert.equal((await labels('model:\n  trunk:\n    - |\n'))[0], 'type');
    assert.ok((await labels('datasets:\n  - na|me: x\n')).includes('name'), 'the key being edited is offered again');
  });

  test('class_weights offers the class subfolders of the dataset', async () => {
    assert.deepEqual(await labels('datasets:\n  - name: a\n    type: images\n    path: data/digits\n    class_weights:\n      |\n'), ['3', '7']);
    assert.deepEqual(
      await labels('datasets:\n  - name: a\n    type: images\n    path: data/digits\n    class_weights: { 7: 2, | }\n'),
      ['3'],
      'classes already weighted are left out',
    );
  });

  test('class_weights of a CSV dataset offers the label values of its first rows, except a row the read cut short', async () => {
    const csv = (file: string, label: string, tail = '') =>
      `datasets:\n  - name: a\n    type: csv\n    path: ${file}\n    csv: { label: ${label}, delimiter: "${file === 'semicolons.csv' ? ';' : ','}" }\n    class_weights:\n      |\n${tail}`;
    const entries = await complete(csv('sensors.csv', 'rain'));
    assert.deepEqual(
      entries.map((entry) => entry.label),
      ['dry', 'wet'],
    );
    assert.equal(entries[0]?.insertText, 'dry: ');
    assert.deepEqual(await labels(csv('semicolons.csv', 'sky')), ['clear', 'cloudy']);
    assert.deepEqual(
      await labels(csv('sensors.csv', 'rain', 'model:\n  stems: { s: {} }\n  heads: { h: { task: regression } }\n')),
      [],
      'a regression head has no classes',
    );
    assert.deepEqual(await labels(csv('sensors.csv', 'nowhere')), []);
  });
});

describe('completion of values', () => {
  test('enum values of a mixing strategy, in a flow map and in block style', async () => {
    assert.deepEqual(await labels('mixing: { strategy: |}'), ['proportional', 'uniform', 'temperature', 'weights']);
    assert.deepEqual(await labels('mixing:\n  strategy: te|\n'), ['proportional', 'uniform', 'temperature', 'weights']);
  });

  test('every layer type after `type:` of a layer', async () => {
    const values = await labels('model:\n  trunk:\n    - type: |\n');
    assert.equal(values.length, 11);
    assert.ok(values.includes('conv2d') && values.includes('flatten') && values.includes('dropout'));
  });

  test('activations, optimizers, backends and booleans', async () => {
    assert.ok((await labels('model:\n  trunk: [{ type: dense, units: 3, activation: | }]\n')).includes('relu'));
    assert.deepEqual(await labels('training:\n  optimizer: { type: | }\n'), ['adam', 'adamw', 'sgd', 'momentum', 'rmsprop', 'adagrad']);
    assert.deepEqual(await labels('training:\n  backend: |\n'), ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    // A number or 'auto': the word is offered, the number is the user's.
    assert.deepEqual(await labels('training:\n  threads: |\n'), ['auto']);
    assert.deepEqual(await labels('datasets:\n  - type: csv\n    csv: { label: y, standardize: | }\n'), ['true', 'false']);
  });

  test('the heads and stems a dataset may name, from the model in the same file', async () => {
    const heads = await complete(`datasets:\n  - name: a\n    head: |\n${MODEL}`);
    assert.deepEqual(
      heads.map((entry) => entry.label),
      ['digit'],
    );
    assert.equal(heads[0]?.kind, 'name');
    assert.deepEqual(await labels(`datasets:\n  - { name: a, stem: | }\n${MODEL}`), ['image', 'table']);
  });

  test('a monitor: the means and worsts over datasets, then each dataset of the file by name', async () => {
    const datasets = 'datasets:\n  - { name: clean, type: images }\n  - { name: tiny, type: images }\n';
    const entries = await complete(`${datasets}training:\n  early_stopping:\n    monitor: |\n`);
    assert.deepEqual(
      entries.map((entry) => entry.label),
      [
        'val_loss_mean',
        'val_loss_worst',
        'val_accuracy_mean',
        'val_accuracy_worst',
        'val_loss:clean',
        'val_accuracy:clean',
        'val_loss:tiny',
        'val_accuracy:tiny',
      ],
    );
    assert.equal(entries.find((entry) => entry.label === 'val_accuracy:tiny')?.detail, "tiny's validation accuracy");
    assert.deepEqual((await labels(`${datasets}training:\n  checkpoint: { monitor: | }\n`)).slice(4), [
      'val_loss:clean',
      'val_accuracy:clean',
      'val_loss:tiny',
      'val_accuracy:tiny',
    ]);
  });

  test('paths relative to the experiment, folder by folder, hidden entries left out', async () => {
    assert.deepEqual(await labels('datasets:\n  - name: a\n    path: |\n'), ['data/', 'sensors.csv']);
    const marked = 'datasets:\n  - name: a\n    path: data/di|\n';
    const inData = await complete(marked);
    assert.deepEqual(
      inData.map((entry) => entry.label),
      ['digits/', 'readme.txt'],
    );
    const typed = marked.indexOf('di|');
    assert.deepEqual(inData[0]?.replace, { start: typed, end: typed + 2 }, 'only the last path segment is replaced');
  });

  test('nothing is offered inside a comment', async () => {
    assert.deepEqual(await labels('version: 1 # |\n'), []);
  });
});

describe('completion of CSV columns', () => {
  const dataset = '  - name: weather\n    type: csv\n    path: sensors.csv\n';

  test('csv.label offers the header columns of the dataset file', async () => {
    const entries = await complete(`datasets:\n${dataset}    csv:\n      label: |\n`);
    assert.deepEqual(
      entries.map((entry) => entry.label),
      ['temp', 'humidity', 'wind', 'rain'],
    );
    assert.equal(entries[0]?.detail, 'label column');
  });

  test('a csv.features item offers the columns not yet used as the label or another feature', async () => {
    assert.deepEqual(await labels(`datasets:\n${dataset}    csv: { label: rain, features: [temp, |] }\n`), ['humidity', 'wind']);
    assert.deepEqual(await labels(`datasets:\n${dataset}    csv:\n      label: rain\n      features:\n        - wind\n        - |\n`), ['temp', 'humidity']);
  });

  test('the declared delimiter splits the header, and an unreadable file offers no columns', async () => {
    assert.deepEqual(await labels('datasets:\n  - name: a\n    type: csv\n    path: semicolons.csv\n    csv: { delimiter: ";", label: | }\n'), [
      'when',
      'temp',
      'sky',
    ]);
    assert.deepEqual(await labels('datasets:\n  - name: a\n    type: csv\n    path: missing.csv\n    csv: { label: | }\n'), []);
  });
});
