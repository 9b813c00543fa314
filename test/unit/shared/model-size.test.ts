import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkModelFits, estimateModelSize } from '../../../src/shared/experiment/modelSize';
import { parseExperiment } from '../../../src/shared/experiment/parse';

const GIB = 1024 ** 3;

function experimentText(options: { batchSize?: string; units?: string; size?: string } = {}): string {
  return `version: 1
datasets:
  - name: photos
    type: images
    path: data/photos
    image: { size: ${options.size ?? '[32, 32]'}, channels: 3 }
    stem: image
    head: kind
model:
  stems:
    image: { layers: [ { type: conv2d, filters: 8, kernel_size: 3, padding: same }, { type: max_pooling2d }, { type: flatten } ] }
  trunk: [ { type: dense, units: ${options.units ?? '16'}, activation: relu } ]
  heads:
    kind: { task: classification }
training:
  batch_size: ${options.batchSize ?? '64'}
`;
}

function parsed(text: string) {
  const result = parseExperiment(text, 'x.jointrain.yaml');
  const errors = result.issues.filter((issue) => issue.severity === 'error');
  return { result, errors };
}

test('absurd sizes are refused by the schema at their field: batch_size 1e12 and 1e8, units 1e8, a 100000-pixel image side', () => {
  const cases: Array<[Parameters<typeof experimentText>[0], Array<string | number>, RegExp]> = [
    [{ batchSize: '1e12' }, ['training', 'batch_size'], /expected a number <= 65536, got 1000000000000: at most 65536: lower it/],
    [{ batchSize: '1e8' }, ['training', 'batch_size'], /expected a number <= 65536, got 100000000: at most 65536/],
    [{ units: '1e8' }, ['model', 'trunk', 0, 'units'], /at most 65536: a wider layer does not fit in memory/],
    [{ size: '[100000, 100000]' }, ['datasets', 0, 'image', 'size', 0], /at most 4096 pixels a side/],
  ];
  for (const [options, field, message] of cases) {
    const { errors } = parsed(experimentText(options));
    const error = errors.find((issue) => JSON.stringify(issue.path) === JSON.stringify(field));
    assert.ok(error, `${JSON.stringify(options)}: errors at ${errors.map((issue) => issue.path.join('.')).join(', ')}`);
    assert.match(error.message, message);
  }
});

test('the size estimate counts every parameter and the activations of the longest path', () => {
  const { result } = parsed(experimentText());
  const size = estimateModelSize(result.experiment!, new Map([['image', [32, 32, 3]]]));
  // conv 3·3·3·8 + 8 = 224; dense 16·16·8 → 16: 2048·16 + 16 = 32,784; output 16·2 + 2 = 34.
  assert.equal(size?.parameters, 224 + 32_784 + 34);
  // input 3,072 + conv 8,192 + pool 2,048 + flatten 2,048 + dense 16 + output 2.
  assert.equal(size?.activationsPerSample, 3072 + 8192 + 2048 + 2048 + 16 + 2);
});

test('a model whose parameters do not fit in memory is refused at the widest layer, with the estimate and the fix', () => {
  const { result } = parsed(experimentText({ units: '65536', size: '[4096, 4096]' }));
  const issues = checkModelFits(result.experiment!, new Map([['image', [4096, 4096, 3]]]), 16 * GIB, result.locator);
  assert.equal(issues.length, 1);
  assert.deepEqual(issues[0]?.path, ['model', 'trunk', 0, 'units']);
  assert.match(
    issues[0]?.message ?? '',
    /^the model needs at least 32,888 GiB \(2\.20e\+12 parameters with their gradients and optimizer slots: 32,768 GiB; one batch of 64: 120 GiB\) but this machine has 16 GiB; this layer alone has 2\.20e\+12 parameters: give it fewer units or filters/,
  );
});

test('a batch whose activations do not fit is refused at batch_size, with a batch size that would fit', () => {
  const { result } = parsed(experimentText({ batchSize: '65536', size: '[4096, 4096]' }));
  const issues = checkModelFits(result.experiment!, new Map([['image', [4096, 4096, 3]]]), 16 * GIB, result.locator);
  assert.deepEqual(
    issues.map((issue) => issue.path),
    [['training', 'batch_size']],
  );
  const fitting = Number(/lower batch_size to (\d+) or less/.exec(issues[0]?.message ?? '')?.[1]);
  assert.ok(fitting >= 1 && fitting < 65_536, issues[0]?.message);
  const smaller = parsed(experimentText({ batchSize: String(fitting), size: '[4096, 4096]' })).result;
  assert.deepEqual(checkModelFits(smaller.experiment!, new Map([['image', [4096, 4096, 3]]]), 16 * GIB, smaller.locator), [], 'the suggested batch size fits');
});

test('an ordinary model fits and raises nothing', () => {
  const { result } = parsed(experimentText());
  assert.deepEqual(checkModelFits(result.experiment!, new Map([['image', [32, 32, 3]]]), 4 * GIB, result.locator), []);
});
