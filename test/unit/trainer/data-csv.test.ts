import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCsvDataset } from '../../../src/trainer/data/loadCsvDataset';
import { MAX_REPORTED_SKIPS } from '../../../src/trainer/data/skipLog';
import { UserError } from '../../../src/trainer/errors';
import { csvSpec, loadContext, makeTempDir, writeFile } from './data-fixtures';

function rows(header: string, body: string[]): string {
  return [header, ...body].join('\n') + '\n';
}

test('features are every column but the label unless listed, and classes are the sorted label names', async () => {
  const dir = makeTempDir();
  writeFile(dir, 'train.csv', rows('a,y,b', ['1,dog,10', '2,cat,20', '3,dog,30']));
  const all = await loadCsvDataset(csvSpec({ validation: { path: 'train.csv' } }, { standardize: false }), loadContext(dir));
  assert.deepEqual(all.classes, ['cat', 'dog']);
  assert.deepEqual(all.train.sampleShape, [2]);
  assert.deepEqual(Array.from(all.train.labels), [1, 0, 1]);
  assert.deepEqual(Array.from(all.train.readBatch([2, 0])), [3, 30, 1, 10]);
  assert.deepEqual(all.report.sampleShape, [2]);
  assert.deepEqual(all.report.train, { size: 3, classes: { cat: 1, dog: 2 } });

  const listed = await loadCsvDataset(csvSpec({ validation: { path: 'train.csv' } }, { standardize: false, features: ['b'] }), loadContext(dir));
  assert.deepEqual(Array.from(listed.train.readBatch([0, 1])), [10, 20]);
});

test('standardization uses the mean and deviation of the training split only, and a constant feature keeps std 1', async () => {
  const dir = makeTempDir();
  writeFile(dir, 'train.csv', rows('x,c,y', ['0,5,a', '2,5,b']));
  writeFile(dir, 'val.csv', rows('y,c,x', ['a,7,3', 'b,5,-1']));
  const dataset = await loadCsvDataset(csvSpec({ validation: { path: 'val.csv' } }, { features: ['x', 'c'] }), loadContext(dir));
  assert.deepEqual(Array.from(dataset.train.readBatch([0, 1])), [-1, 0, 1, 0]);
  assert.deepEqual(Array.from(dataset.validation.readBatch([0, 1])), [2, 2, -2, 0]);
  assert.deepEqual(Array.from(dataset.validation.labels), [0, 1]);
});

test('a classification split is stratified and seeded; a regression split is seeded', async () => {
  const dir = makeTempDir();
  const body = [...Array(40).keys()].map((i) => `${i},${i < 30 ? 'big' : 'small'}`);
  writeFile(dir, 'train.csv', rows('x,y', body));
  const spec = csvSpec({ validation: { split: 0.2 } }, { standardize: false });
  const load = async (seed: number) => {
    const dataset = await loadCsvDataset(spec, loadContext(dir, { seed }));
    return { report: dataset.report, validation: Array.from(dataset.validation.readBatch([...Array(dataset.validation.size).keys()])) };
  };
  const first = await load(1);
  assert.deepEqual(first.report.validation, { size: 8, classes: { big: 6, small: 2 } });
  assert.deepEqual((await load(1)).validation, first.validation);
  assert.notDeepEqual((await load(2)).validation, first.validation);

  writeFile(
    dir,
    'reg.csv',
    rows(
      'x,y',
      [...Array(10).keys()].map((i) => `${i},${i * 0.5}`),
    ),
  );
  const regression = await loadCsvDataset(
    csvSpec({ path: 'reg.csv', validation: { split: 0.3 } }, { standardize: false }),
    loadContext(dir, { task: 'regression' }),
  );
  assert.deepEqual(regression.classes, []);
  assert.equal(regression.validation.size, 3);
  assert.ok(regression.train.labels instanceof Float32Array);
  const [x] = regression.validation.readBatch([0]);
  assert.equal(regression.validation.labels[0], (x as number) * 0.5);
  assert.deepEqual(regression.report.validation, { size: 3, classes: {} });
});

test('rows with a missing or non-numeric value are skipped and reported with their line and column', async () => {
  const dir = makeTempDir();
  const body = [...Array(300).keys()].map((i) => `${i},${i % 7},${i % 2 ? 'odd' : 'even'}`);
  body[12] = '12,abc,even'; // line 14: the header is line 1
  body[20] = '20,,odd';
  body[30] = '30';
  writeFile(dir, 'train.csv', rows('x1,x2,y', body));
  const dataset = await loadCsvDataset(csvSpec({}), loadContext(dir));
  assert.equal(dataset.train.size + dataset.validation.size, 297);
  assert.deepEqual(dataset.report.skipped, {
    count: 3,
    byClass: { even: 1, odd: 1 },
    items: [
      { file: 'train.csv', className: 'even', reason: 'line 14: column "x2" is not a number ("abc")' },
      { file: 'train.csv', className: 'odd', reason: 'line 22: column "x2" is empty' },
      { file: 'train.csv', className: '', reason: 'line 32: 1 field where the header has 3' },
    ],
  });
});

test('a regression row whose label is not a number is skipped', async () => {
  const dir = makeTempDir();
  const body = [...Array(200).keys()].map((i) => `${i},${i}`);
  body[4] = '4,n/a';
  writeFile(dir, 'train.csv', rows('x,y', body));
  const dataset = await loadCsvDataset(csvSpec({}), loadContext(dir, { task: 'regression' }));
  assert.deepEqual(dataset.report.skipped.items, [{ file: 'train.csv', className: '', reason: 'line 6: column "y" is not a number ("n/a")' }]);
});

test('more than 1% bad rows is an error with the first reason', async () => {
  const dir = makeTempDir();
  const body = [...Array(100).keys()].map((i) => `${i},a`);
  body[3] = 'x,a';
  body[4] = 'y,a';
  writeFile(dir, 'train.csv', rows('x,y', body));
  await assert.rejects(loadCsvDataset(csvSpec({}), loadContext(dir)), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(
      error.message,
      /^exp\.jointrain\.yaml:3:5 datasets\[0\]\.path: dataset "table": 2 of 100 rows of train\.csv cannot be used \(more than 1%\); first: line 5: column "x" is not a number \("x"\)$/,
    );
    return true;
  });
});

test('a validation label that training never saw is an error naming the label', async () => {
  const dir = makeTempDir();
  writeFile(dir, 'train.csv', rows('x,y', ['1,cat', '2,dog']));
  writeFile(dir, 'val.csv', rows('x,y', ['1,cat', '2,bird']));
  await assert.rejects(
    loadCsvDataset(csvSpec({ validation: { path: 'val.csv' } }), loadContext(dir)),
    /datasets\[0\]\.validation\.path: dataset "table": label "bird" in the validation file does not occur in the training file \(classes: cat, dog\)/,
  );
});

test('a label or feature column missing from the header is an error at its field', async () => {
  const dir = makeTempDir();
  writeFile(dir, 'train.csv', rows('x,z', ['1,2']));
  await assert.rejects(loadCsvDataset(csvSpec({}), loadContext(dir)), /datasets\[0\]\.csv\.label: column "y" is not in the header .*\(columns are: x, z\)/);
  await assert.rejects(loadCsvDataset(csvSpec({}, { label: 'z', features: ['x', 'w'] }), loadContext(dir)), /datasets\[0\]\.csv\.features: column "w"/);
});

test('an unterminated quote is an error with its place', async () => {
  const dir = makeTempDir();
  writeFile(dir, 'train.csv', 'x,y\n1,"cat\n');
  await assert.rejects(loadCsvDataset(csvSpec({}), loadContext(dir)), /datasets\[0\]\.path: cannot read .*train\.csv as CSV: /);
});

test('the report lists at most 100 skipped rows but counts every one', async () => {
  const dir = makeTempDir();
  const body = [...Array(15000).keys()].map((i) => (i % 100 === 7 ? `?,a` : `${i},a`));
  writeFile(dir, 'train.csv', rows('x,y', body));
  const dataset = await loadCsvDataset(csvSpec({}), loadContext(dir));
  assert.equal(dataset.report.skipped.count, 150);
  assert.deepEqual(dataset.report.skipped.byClass, { a: 150 });
  assert.equal(dataset.report.skipped.items.length, MAX_REPORTED_SKIPS);
  assert.equal(dataset.report.skipped.items[0]?.reason, 'line 9: column "x" is not a number ("?")');
});
