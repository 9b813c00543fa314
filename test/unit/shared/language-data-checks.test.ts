import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { localDataFiles } from '../../../src/node/dataFiles';
import { classFolders } from '../../../src/shared/language/dataFiles';
import { dataIssues } from '../../../src/shared/language/diagnostics';
import { readModelInputs } from '../../../src/shared/language/modelInputs';
import { validateExperimentFile } from '../../../src/trainer/config/loadExperiment';
import { scanImageFolder } from '../../../src/trainer/data/imageFolder';
import { locatedIssue } from '../support/locatedIssue';

const MODEL_FIXTURE = readFileSync(join(__dirname, 'fixtures', 'two-input-model.json'), 'utf8');

const roots: string[] = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A temporary workspace; a name ending in `/` is an empty folder, any other a file with that text. */
function workspace(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'jointrain-data-checks-')));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(name.endsWith('/') ? path : dirname(path), { recursive: true });
    if (!name.endsWith('/')) writeFileSync(path, text);
  }
  return root;
}

const DATA: Record<string, string> = {
  'data/digits/zero/0.png': 'not decoded here',
  'data/digits/one/1.png': 'not decoded here',
  'data/weather.csv': 'temp,wind,rain,sky\n1,2,3,clear\n4,5,6,cloudy\n',
  'models/base/model.json': MODEL_FIXTURE,
};

/** Datasets on lines 3–8 (the images stem on line 8) and 9–14 (the csv stem on 14); the loaded model from line 15. */
function loadedModelExperiment(options: { size?: string; features?: string; inputs?: string } = {}): string {
  return `${[
    'version: 1',
    'datasets:',
    '  - name: digits',
    '    type: images',
    '    path: data/digits',
    `    image: { size: ${options.size ?? '[8, 8]'}, channels: 1 }`,
    '    head: digit',
    '    stem: image',
    '  - name: weather',
    '    type: csv',
    '    path: data/weather.csv',
    `    csv: { label: sky${options.features ? `, features: ${options.features}` : ''} }`,
    '    head: weather',
    '    stem: table',
    'model:',
    '  from: models/base/model.json',
    `  inputs: ${options.inputs ?? '{ table: 0, image: 1 }'}`,
    '  outputs: { digit: 0, weather: 1 }',
  ].join('\n')}\n`;
}

/** The data problems the editor shows for `text` saved as the experiment of `root`, checked against the CLI's own. */
async function editorAndCli(root: string, text: string): Promise<string[]> {
  const file = join(root, 'exp.jointrain.yaml');
  writeFileSync(file, text);
  const editor = (await dataIssues(text, file, localDataFiles(dirname(file)))).map(locatedIssue);
  const cli = (await validateExperimentFile(file)).map(locatedIssue);
  assert.deepEqual(editor, cli, 'the editor and `validate` say the same, at the same places');
  return editor;
}

describe('data checks of the text as typed', () => {
  test('an unsaved text is checked against the files it names, not the version on disk', async () => {
    const root = workspace({ ...DATA, 'exp.jointrain.yaml': loadedModelExperiment() });
    const file = join(root, 'exp.jointrain.yaml');
    const typed = loadedModelExperiment().replace('path: data/digits', 'path: data/digitz');
    assert.deepEqual((await dataIssues(typed, file, localDataFiles(dirname(file)))).map(locatedIssue), [
      `5:11-5:22 error datasets[0].path: folder not found: ${join(root, 'data/digitz')} (paths are relative to the experiment file) — did you mean \`digits\` (beside it)?`,
    ]);
  });

  test('a device as a CSV source is refused without being read (it would never end)', async () => {
    const root = workspace(DATA);
    const text = loadedModelExperiment().replace('path: data/weather.csv', 'path: /dev/zero');
    const issues = await editorAndCli(root, text);
    assert.equal(issues.length, 1);
    assert.match(issues[0] ?? '', /datasets\[1\]\.path: \/dev\/zero is not a regular file \(a device, pipe or socket\): a csv dataset needs a CSV file/);
  });

  test('a text with errors of its own gets no data checks, as in `validate`', async () => {
    const root = workspace(DATA);
    const file = join(root, 'exp.jointrain.yaml');
    assert.deepEqual(await dataIssues(loadedModelExperiment({ inputs: '{ table: -1, image: 1 }' }), file, localDataFiles(dirname(file))), []);
  });
});

describe('a loaded model’s inputs against the datasets that feed them', () => {
  test('datasets whose samples fit the inputs their stems map to pass, whatever the order of the model’s input layers', async () => {
    assert.deepEqual(await editorAndCli(workspace(DATA), loadedModelExperiment()), []);
  });

  test('an image size or feature count that differs from the input is an error at the dataset’s stem, with both shapes', async () => {
    const root = workspace(DATA);
    assert.deepEqual(await editorAndCli(root, loadedModelExperiment({ size: '[28, 28]', features: '[temp, wind]' })), [
      "8:11-8:16 error datasets[0].stem: dataset 'digits' gives samples of shape [28,28,1] but stem 'image' feeds model input 1, which takes [8,8,1]: change the dataset's preprocessing (image size and channels, or feature columns) to fit the input, or map the stem to the input that fits in model.inputs",
      "14:11-14:16 error datasets[1].stem: dataset 'weather' gives samples of shape [2] but stem 'table' feeds model input 0, which takes [3]: change the dataset's preprocessing (image size and channels, or feature columns) to fit the input, or map the stem to the input that fits in model.inputs",
    ]);
  });

  test('a stem mapped to the wrong input is an error at the dataset’s stem; an implicit stem puts it on the dataset', async () => {
    const root = workspace(DATA);
    const swapped = await editorAndCli(root, loadedModelExperiment({ inputs: '{ table: 1, image: 0 }' }));
    assert.deepEqual(
      swapped.map((issue) => issue.slice(0, issue.indexOf(':', 20))),
      ['8:11-8:16 error datasets[0].stem', '14:11-14:16 error datasets[1].stem'],
    );
    assert.match(swapped[0] ?? '', /stem 'image' feeds model input 0, which takes \[3\]/);

    const implicitStem = (input: number) =>
      [
        'version: 1',
        'datasets:',
        '  - name: digits',
        '    type: images',
        '    path: data/digits',
        '    image: { size: [8, 8], channels: 1 }',
        `model: { from: models/base/model.json, inputs: { image: ${input} }, outputs: { digit: 0 } }`,
        '',
      ].join('\n');
    assert.deepEqual(await editorAndCli(root, implicitStem(1)), []);
    assert.deepEqual(
      (await editorAndCli(root, implicitStem(0))).map((issue) => issue.slice(0, issue.indexOf(' but '))),
      ["3:5-3:9 error datasets[0]: dataset 'digits' gives samples of shape [8,8,1]"],
    );
  });

  test('a stem mapped to an input the model lacks is an error at its entry in model.inputs', async () => {
    const root = workspace(DATA);
    assert.deepEqual(await editorAndCli(root, loadedModelExperiment({ inputs: '{ table: 0, image: 2 }' })), [
      `17:30-17:31 error model.inputs.image: ${join(root, 'models/base/model.json')} has no input 2 (it has 2, numbered from 0 in the order of its input layers)`,
    ]);
  });

  test('a model.json that is not a layers model is an error at model.from that says what is needed', async () => {
    const model = (text: string) => workspace({ ...DATA, 'models/base/model.json': text });
    const notJson = await editorAndCli(model('{ "modelTopology": '), loadedModelExperiment());
    assert.match(notJson[0] ?? '', /^16:9-16:31 error model\.from: .*model\.json is not valid JSON \(.*\): `from` names a TensorFlow\.js layers model\.json/);
    const graph = await editorAndCli(model('{ "format": "graph-model", "modelTopology": { "node": [] } }'), loadedModelExperiment());
    assert.match(graph[0] ?? '', /model\.json is a graph model, which cannot be trained: `from` names a TensorFlow\.js layers model\.json/);
    const bare = await editorAndCli(model('{ "weightsManifest": [] }'), loadedModelExperiment());
    assert.match(bare[0] ?? '', /model\.json has no modelTopology/);
  });
});

describe('reading a model.json’s inputs', () => {
  const inputLayer = (name: string, shape: unknown[], key = 'batch_input_shape') => ({ name, class_name: 'InputLayer', config: { [key]: shape, name } });

  test('a functional model: one shape per input, in the order of its input layers', () => {
    assert.deepEqual(readModelInputs(MODEL_FIXTURE), {
      inputs: [
        [null, 3],
        [null, 8, 8, 1],
      ],
    });
  });

  test('a Sequential model: the first layer’s batch_input_shape or input_shape, in the list or the older bare form', () => {
    const dense = { class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 5] } };
    assert.deepEqual(readModelInputs(JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [dense] } } })), {
      inputs: [[null, 5]],
    });
    const bare = { class_name: 'Sequential', config: [{ class_name: 'Dense', config: { units: 2, input_shape: [4] } }] };
    assert.deepEqual(readModelInputs(JSON.stringify({ modelTopology: bare })), { inputs: [[null, 4]] });
  });

  test('Keras 3 and HDF5 conversions: batch_shape, a single input reference, a model_config wrapper', () => {
    const keras3 = { class_name: 'Functional', config: { layers: [inputLayer('x', [null, 32, 32, 3], 'batch_shape')], input_layers: ['x', 0, 0] } };
    assert.deepEqual(readModelInputs(JSON.stringify({ modelTopology: keras3 })), { inputs: [[null, 32, 32, 3]] });
    assert.deepEqual(readModelInputs(JSON.stringify({ modelTopology: { model_config: keras3 } })), { inputs: [[null, 32, 32, 3]] });
  });

  test('camelCase keys, as a topology built in tfjs may have them', () => {
    const camel = {
      className: 'Model',
      config: { layers: [{ className: 'InputLayer', config: { name: 'a', batchInputShape: [null, 7] } }], inputLayers: [['a', 0, 0]] },
    };
    assert.deepEqual(readModelInputs(JSON.stringify({ modelTopology: camel })), { inputs: [[null, 7]] });
  });

  test('an input whose layer or shape cannot be found is unknown, not an error; an unreadable topology says nothing', () => {
    const partly = {
      class_name: 'Model',
      config: {
        layers: [inputLayer('a', [null, 'x'])],
        input_layers: [
          ['a', 0, 0],
          ['b', 0, 0],
        ],
      },
    };
    assert.deepEqual(readModelInputs(JSON.stringify({ modelTopology: partly })), { inputs: [undefined, undefined] });
    assert.deepEqual(readModelInputs(JSON.stringify({ modelTopology: { class_name: 'Model', config: {} } })), { inputs: undefined });
  });
});

describe('the class folders the checks see', () => {
  test('are those the data layer reads: hidden entries skipped, nested and linked folders followed, images by extension', async () => {
    const root = workspace({
      'a/1.PNG': '',
      'b/deep/er/2.jpeg': '',
      'c/notes.txt': '',
      'c/.hidden.png': '',
      'd/': '',
      '.cache/3.png': '',
      'loose.png': '',
      'elsewhere/4.webp': '',
    });
    symlinkSync(join(root, 'elsewhere'), join(root, 'linked'));
    const { classes: checked, unread } = await classFolders(root, localDataFiles(root));
    assert.deepEqual(unread, []);
    assert.deepEqual(checked, [
      { name: 'a', holds: 'images' },
      { name: 'b', holds: 'images' },
      { name: 'c', holds: 'other files' },
      { name: 'd', holds: 'nothing' },
      { name: 'elsewhere', holds: 'images' },
      { name: 'linked', holds: 'images' },
    ]);
    const scanned = await scanImageFolder(root);
    assert.deepEqual(
      scanned.classes,
      checked.map((folder) => folder.name),
    );
    const withImages = new Set(scanned.images.map((image) => image.className));
    const withOthers = new Set(scanned.others.map((other) => other.className));
    assert.deepEqual(
      checked.map((folder) => folder.holds),
      scanned.classes.map((name) => (withImages.has(name) ? 'images' : withOthers.has(name) ? 'other files' : 'nothing')),
    );
  });
});
