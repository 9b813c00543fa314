/**
 * The scaffolder on the layouts real data comes in: each picked the ways a user picks it (the
 * parent folder, the dataset folders, the split folders, class folders), and each must give the
 * datasets a person would name, with validation folders used where they exist.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { parseExperiment } from '../../../src/shared/experiment/parse';
import { validateExperimentFile } from '../../../src/trainer/config/loadExperiment';
import type { UserError } from '../../../src/trainer/errors';
import { experimentTemplate } from '../../../src/trainer/scaffold/experimentTemplate';
import { AmbiguousLayoutError, findDatasets, splitOf, type FoundDataset } from '../../../src/trainer/scaffold/findDatasets';
import { inspectDataset } from '../../../src/trainer/scaffold/inspectSources';

const root = mkdtempSync(join(tmpdir(), 'jointrain-layouts-'));
after(() => rmSync(root, { recursive: true, force: true }));

const DIGITS = ['0', '1', '2'];

/** Class folders of tiny PNGs under `folder`; `rgbGrey` stores grey pixels as three channels. */
async function classFolders(folder: string, classes: readonly string[], perClass = 2, rgbGrey = false): Promise<void> {
  for (const name of classes) {
    mkdirSync(join(folder, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const channels = rgbGrey ? 3 : 1;
      const image = sharp(Buffer.alloc(8 * 8 * channels, 30 * i + 10), { raw: { width: 8, height: 8, channels } });
      await image.png().toFile(join(folder, name, `${i}.png`));
    }
  }
}

function csv(file: string, rows = 6): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, ['a,b,label', ...Array.from({ length: rows }, (_, i) => `${i},${i * 2},${i % 2 ? 'x' : 'y'}`)].join('\n') + '\n');
}

const summary = (found: readonly FoundDataset[], base: string) =>
  found.map((d) => ({
    name: d.name,
    kind: d.kind,
    train: d.train.slice(base.length + 1),
    ...(d.validation ? { validation: d.validation.slice(base.length + 1) } : {}),
    ...(d.test ? { test: d.test.slice(base.length + 1) } : {}),
  }));

describe('three datasets laid out as data/<dataset>/{train,val}/<class>/', () => {
  const base = join(root, 'split');
  const expected = ['mnist', 'mnist-rot', 'optdigits'].map((name) => ({ name, kind: 'images', train: `data/${name}/train`, validation: `data/${name}/val` }));
  before(async () => {
    for (const name of ['mnist', 'mnist-rot', 'optdigits']) {
      await classFolders(join(base, 'data', name, 'train'), DIGITS);
      await classFolders(join(base, 'data', name, 'val'), DIGITS, 1);
    }
  });

  test('picking the parent folder gives the three datasets, named after them, with their validation folders', async () => {
    assert.deepEqual(summary(await findDatasets([join(base, 'data')]), base), expected);
  });

  test('picking the three dataset folders gives the same', async () => {
    assert.deepEqual(summary(await findDatasets(['mnist', 'mnist-rot', 'optdigits'].map((n) => join(base, 'data', n))), base), expected);
  });

  test('picking the three train folders gives the same: datasets are named after the dataset, not the split', async () => {
    assert.deepEqual(summary(await findDatasets(['mnist', 'mnist-rot', 'optdigits'].map((n) => join(base, 'data', n, 'train'))), base), expected);
  });

  test('the experiment shares one head among datasets with the same classes and validates against the data', async () => {
    const sources = await Promise.all((await findDatasets([join(base, 'data')])).map(inspectDataset));
    const text = experimentTemplate(sources, base, 'digits');
    assert.deepEqual(parseExperiment(text, 'digits.jointrain.yaml').issues, []);
    assert.equal((text.match(/^ {4}head: classes$/gm) ?? []).length, 3, text);
    assert.match(text, /^ {4}classes: \{ task: classification \} {3}# shared by mnist, mnist-rot, optdigits: the same classes$/m);
    assert.match(text, /- name: mnist\n {4}# found: 6 training images in 3 classes \(0, 1, 2\)\n {4}# validation: 3 images in data\/mnist\/val\n/);
    assert.match(text, /path: data\/mnist\/train\n[\s\S]*?validation: \{ path: data\/mnist\/val \}/);
    assert.doesNotMatch(text, /split: 0\.2/);
    const file = join(base, 'digits.jointrain.yaml');
    writeFileSync(file, text);
    assert.deepEqual(await validateExperimentFile(file), []);
  });
});

describe('other layouts', () => {
  test('a flat dataset of class folders, picked itself or through one of its classes, splits validation off', async () => {
    const base = join(root, 'flat');
    await classFolders(join(base, 'letters'), ['a', 'b']);
    const expected = [{ name: 'letters', kind: 'images', train: 'letters' }];
    assert.deepEqual(summary(await findDatasets([join(base, 'letters')]), base), expected);
    assert.deepEqual(
      summary(await findDatasets([join(base, 'letters', 'a'), join(base, 'letters', 'b')]), base),
      expected,
      'class folders picked mean their dataset, once',
    );
    const text = experimentTemplate([await inspectDataset((await findDatasets([join(base, 'letters')]))[0] as FoundDataset)], base, 'letters');
    assert.match(text, /validation: \{ split: 0\.2 \} {3}# no validation folder beside it/);
  });

  test('a class folder inside a split folder means the dataset above the split', async () => {
    const base = join(root, 'class-in-split');
    await classFolders(join(base, 'cifar', 'Train'), ['cat', 'dog']);
    await classFolders(join(base, 'cifar', 'Validation'), ['cat', 'dog'], 1);
    assert.deepEqual(summary(await findDatasets([join(base, 'cifar', 'Train', 'cat')]), base), [
      { name: 'cifar', kind: 'images', train: 'cifar/Train', validation: 'cifar/Validation' },
    ]);
  });

  test('a test split is found and kept out of training and validation', async () => {
    const base = join(root, 'with-test');
    for (const split of ['training', 'valid', 'test']) await classFolders(join(base, 'svhn', split), DIGITS, 1);
    const [found] = await findDatasets([join(base, 'svhn')]);
    assert.deepEqual(summary([found as FoundDataset], base), [
      { name: 'svhn', kind: 'images', train: 'svhn/training', validation: 'svhn/valid', test: 'svhn/test' },
    ]);
    const text = experimentTemplate([await inspectDataset(found as FoundDataset)], base, 'svhn');
    assert.match(text, /# test: 3 images in svhn\/test, kept out of training and validation/);
    assert.match(text, /^ {4}test: \{ path: svhn\/test \} {3}# evaluated once, with the run's model, when training ends$/m);
  });

  test('CSV tables and image folders mixed under one parent, stray files ignored and said so', async () => {
    const base = join(root, 'mixed');
    await classFolders(join(base, 'data', 'photos'), ['cat', 'dog']);
    writeFileSync(join(base, 'data', 'photos', 'README.txt'), 'about the photos');
    writeFileSync(join(base, 'data', 'photos', '.DS_Store'), '');
    csv(join(base, 'data', 'sensors.csv'));
    csv(join(base, 'data', 'weather', 'train.csv'));
    csv(join(base, 'data', 'weather', 'val.csv'), 3);
    writeFileSync(join(base, 'data', 'notes.md'), '# notes');
    const found = await findDatasets([join(base, 'data')]);
    assert.deepEqual(summary(found, base), [
      { name: 'photos', kind: 'images', train: 'data/photos' },
      { name: 'sensors', kind: 'csv', train: 'data/sensors.csv' },
      { name: 'weather', kind: 'csv', train: 'data/weather/train.csv', validation: 'data/weather/val.csv' },
    ]);
    assert.deepEqual(found[0]?.ignored, ['README.txt']);
    const sources = await Promise.all(found.map(inspectDataset));
    const text = experimentTemplate(sources, base, 'mixed');
    assert.match(text, /# ignored beside it: README\.txt/);
    assert.match(text, /validation: \{ path: data\/weather\/val\.csv \}/);
    assert.match(text, /# validation: 3 rows in data\/weather\/val\.csv/);
    assert.match(text, /^ {4}photos: \{ task: classification \}$/m, 'a dataset with classes no other has keeps its own head');
  });

  test('greyscale images stored as RGB are one channel; a colour image makes three', async () => {
    const base = join(root, 'channels');
    await classFolders(join(base, 'grey-rgb'), ['a', 'b'], 2, true);
    const [found] = await findDatasets([join(base, 'grey-rgb')]);
    const source = await inspectDataset(found as FoundDataset);
    assert.equal(source.kind === 'images' && source.channels, 1);
  });

  test('a folder that mixes class folders and dataset folders is not guessed at: the error says what to pick', async () => {
    const base = join(root, 'ambiguous');
    await classFolders(join(base, 'data', 'cats'), ['x']);
    await classFolders(join(base, 'data', 'dogs'), ['x']);
    await classFolders(join(base, 'data', 'cats', 'x'), []);
    mkdirSync(join(base, 'data', 'birds', 'train', 'x'), { recursive: true });
    await classFolders(join(base, 'data', 'birds', 'train'), ['x']);
    writeFileSync(join(base, 'data', 'loose.png'), '');
    await sharp(Buffer.alloc(64, 9), { raw: { width: 8, height: 8, channels: 1 } })
      .png()
      .toFile(join(base, 'data', 'cats', 'one.png'));
    await assert.rejects(findDatasets([join(base, 'data')]), (error: UserError) => {
      assert.match(error.message, /holds both class folders of images \(cats\) and folders or files that look like datasets \(birds, dogs\)/);
      assert.match(error.hint ?? '', /pick the dataset folders themselves, or pass --ignore-class-folders to use birds, dogs and leave cats out/);
      assert.ok(error instanceof AmbiguousLayoutError);
      assert.deepEqual([error.classes, error.datasets], [['cats'], ['birds', 'dogs']]);
      return true;
    });
    // Chosen (the CLI's flag, the editor's quick pick): the datasets, the loose class folder left out.
    const found = await findDatasets([join(base, 'data')], { ignoreClassFolders: true });
    assert.deepEqual(
      found.map((dataset) => [dataset.name, relative(base, dataset.train)]),
      [
        ['birds', join('data', 'birds', 'train')],
        ['dogs', join('data', 'dogs')],
      ],
    );
  });

  test('nothing usable is an error that says what to pick', async () => {
    const base = join(root, 'nothing');
    mkdirSync(join(base, 'empty'), { recursive: true });
    writeFileSync(join(base, 'empty', 'notes.txt'), 'x');
    await assert.rejects(findDatasets([join(base, 'empty')]), (error: UserError) => {
      assert.match(error.message, /no images or CSV files found in .*empty$/);
      assert.match(error.hint ?? '', /pick a dataset folder/);
      return true;
    });
  });

  test('split folders are named in the usual ways, in any case', () => {
    assert.deepEqual(['train', 'Training', 'VAL', 'valid', 'validation', 'dev', 'Test', 'testing', 'val.csv', 'images'].map(splitOf), [
      'train',
      'train',
      'validation',
      'validation',
      'validation',
      'validation',
      'test',
      'test',
      'validation',
      undefined,
    ]);
  });
});
