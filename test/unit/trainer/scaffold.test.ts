import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { parseExperiment } from '../../../src/shared/experiment/parse';
import { validateExperimentFile } from '../../../src/trainer/config/loadExperiment';
import { epochCap, experimentTemplate } from '../../../src/trainer/scaffold/experimentTemplate';
import { findDatasets } from '../../../src/trainer/scaffold/findDatasets';
import { inspectDataset } from '../../../src/trainer/scaffold/inspectSources';

const inspectSource = async (path: string) => {
  const [found] = await findDatasets([path]);
  assert.ok(found);
  return inspectDataset(found);
};

const root = mkdtempSync(join(tmpdir(), 'jointrain-scaffold-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function imageFolder(name: string, classes: string[], width: number, height: number, channels: 1 | 3): Promise<string> {
  const folder = join(root, 'data', name);
  for (const className of classes) {
    mkdirSync(join(folder, className), { recursive: true });
    for (let index = 0; index < 5; index += 1) {
      // Colour images get a red tint: grey pixels stored as RGB count as one channel.
      const pixels = Buffer.from(Array.from({ length: width * height * channels }, (_, i) => (channels === 3 && i % 3 === 0 ? 200 : (index * 40) % 256)));
      const image = sharp(pixels, { raw: { width, height, channels } });
      await (channels === 1 ? image.toColourspace('b-w') : image).png().toFile(join(folder, className, `${index}.png`));
    }
  }
  return folder;
}

function csvFile(name: string, lines: string[]): string {
  const file = join(root, 'data', name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('the scaffolder finds classes, image sizes and CSV columns, and writes an experiment that validates', async () => {
  const digits = await imageFolder('digits', ['0', '1'], 20, 10, 1);
  const photos = await imageFolder('my photos', ['cat', 'dog'], 128, 96, 3);
  const sensors = csvFile('sensors.csv', ['a,b,kind,c', ...Array.from({ length: 10 }, (_, row) => `${row},${row * 2},${row % 2 ? 'walk' : 'run'},1`)]);
  const depth = csvFile('depth.csv', ['x1,x2,depth', ...Array.from({ length: 10 }, (_, row) => `${row},${row + 1},${row * 0.5 + 0.25}`)]);

  const sources = await Promise.all([digits, photos, sensors, depth].map((path) => inspectSource(path)));
  assert.deepEqual(sources[0], { kind: 'images', path: digits, name: 'digits', ignored: [], classes: ['0', '1'], images: 10, size: [10, 20], channels: 1 });
  assert.equal(sources[1]?.kind === 'images' && sources[1].channels, 3);
  assert.deepEqual(sources[2], {
    kind: 'csv',
    path: sensors,
    name: 'sensors',
    ignored: [],
    columns: ['a', 'b', 'kind', 'c'],
    label: 'kind',
    task: 'classification',
    rows: 10,
  });
  assert.equal(sources[3]?.kind === 'csv' && sources[3].task, 'regression');

  const text = experimentTemplate(sources, root, 'first');
  assert.match(text, /- name: my_photos\n/);
  assert.match(text, /path: data\/digits\n/);
  assert.match(text, /csv: \{ label: kind, features: \[a, b, c\] \}/);
  assert.match(text, /depth: \{ task: regression, loss: mse \}/);
  assert.match(text, /path: data\/depth.csv\n.*\n    stem: table_2\n/, 'a CSV with another feature count gets a stem of its own');
  assert.match(text, /table_2: \{ layers: .* # 2 features/);
  assert.match(text, /image: \{ size: \[10, 20\], channels: 3 \}/);
  // Small data: a generous cap, early stopping on the weakest dataset, and model/ chosen by it too.
  assert.match(text, /^ {2}epochs: 60 /m);
  assert.match(text, /^ {2}early_stopping: \{ monitor: val_accuracy_worst, patience: 5 \}$/m);
  assert.match(text, /^ {2}checkpoint: \{ monitor: val_accuracy_worst \} /m);
  const parsed = parseExperiment(text, 'first.jointrain.yaml');
  assert.deepEqual(parsed.issues, []);
  // The recommended balancing, measured in bench/README.md (benchmark 10).
  const experiment = parsed.experiment;
  assert.ok(experiment);
  assert.deepEqual([experiment.mixing.strategy, experiment.mixing.temperature, experiment.training.balancer.type], ['temperature', 2, 'sampling']);
  assert.deepEqual(
    experiment.datasets.map((d) => (d.type === 'images' ? d.augment : 'table')),
    ['auto', 'auto', 'table', 'table'],
  );

  const file = join(root, 'first.jointrain.yaml');
  writeFileSync(file, text);
  assert.deepEqual(await validateExperimentFile(file), [], 'the data checks of `jointrain validate` pass too');
});

test('the epoch cap falls as the largest dataset grows: 60 up to 2,000 samples, 30 up to 20,000, then 15', () => {
  const rows = (n: number) => ({
    kind: 'csv' as const,
    path: 'x.csv',
    name: 'x',
    ignored: [],
    columns: ['a', 'y'],
    label: 'y',
    task: 'classification' as const,
    rows: n,
  });
  assert.deepEqual(
    [2_000, 2_001, 20_000, 20_001].map((n) => epochCap([rows(10), rows(n)])),
    [60, 30, 30, 15],
  );
});

test('a large image is scaled down to at most 64 pixels a side, keeping its aspect', async () => {
  const big = await imageFolder('big', ['a', 'b'], 256, 128, 3);
  const text = experimentTemplate([await inspectSource(big)], root, 'big');
  assert.match(text, /size: \[32, 64\]/);
});

test('a CSV file with a quote never closed is refused naming the file and the line, not with a parser stack', async () => {
  const file = join(root, 'broken.csv');
  writeFileSync(file, 'a,b,label\n1,2,x\n3,"4,y\n');
  await assert.rejects(inspectSource(file), (error: Error & { hint?: string }) => {
    assert.equal(error.name, 'UserError');
    assert.match(error.message, new RegExp(`^cannot read ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as CSV: .*line 3`));
    assert.match(error.hint ?? '', /quote opened and never closed/);
    return true;
  });
});

test('a source that is neither a folder nor a CSV file is refused with what to pick', async () => {
  writeFileSync(join(root, 'notes.txt'), 'x');
  await assert.rejects(inspectSource(join(root, 'notes.txt')), /neither a folder nor a \.csv file/);
  await assert.rejects(inspectSource(join(root, 'absent')), /data source not found/);
});
