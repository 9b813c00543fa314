/**
 * Data that is wrong in ways a tester found (issue #14): values read shifted or as hex, rows and
 * cells huge enough to exhaust memory or bloat run.json, and image folders holding link loops,
 * named pipes and devices that hung or ran away. Each is skipped with its place and reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { formatIssue } from '../../../src/shared/experiment/issues';
import { dataIssues } from '../../../src/shared/language/diagnostics';
import { localDataFiles } from '../../../src/node/dataFiles';
import { validateExperimentFile } from '../../../src/trainer/config/loadExperiment';
import { loadCsvDataset } from '../../../src/trainer/data/loadCsvDataset';
import { loadImageDataset } from '../../../src/trainer/data/loadImageDataset';
import { MAX_REASON_LENGTH, SkipLog } from '../../../src/trainer/data/skipLog';
import { UserError } from '../../../src/trainer/errors';
import { csvSpec, imageSpec, loadContext, makeTempDir, writeFile, writeGreyFolder } from './data-fixtures';
import { locatedIssue } from '../support/locatedIssue';

/** A hang must fail the test, not block the suite. */
const GUARD = { timeout: 60_000 };

/** `count` rows `i,i%7,even|odd` under the header `x1,x2,y`; row `i` is on line `i + 2`. */
function tableRows(count: number): string[] {
  return [...Array(count).keys()].map((i) => `${i},${i % 7},${i % 2 ? 'odd' : 'even'}`);
}

function csvText(body: readonly string[]): string {
  return ['x1,x2,y', ...body].join('\n') + '\n';
}

test('a row with an unquoted delimiter in a value is skipped with its line, never read with its columns shifted', GUARD, async () => {
  const dir = makeTempDir();
  const body = tableRows(300);
  body[12] = '12,3,5,even'; // "3,5" written with a decimal comma: 4 fields, and "5" would be the label
  body[40] = '40,odd'; // a field short: the label would be read from the wrong column
  writeFile(dir, 'train.csv', csvText(body));
  const dataset = await loadCsvDataset(csvSpec({}), loadContext(dir));
  assert.deepEqual(dataset.classes, ['even', 'odd']);
  assert.equal(dataset.train.size + dataset.validation.size, 298);
  assert.deepEqual(dataset.report.skipped, {
    count: 2,
    byClass: {},
    items: [
      { file: 'train.csv', className: '', reason: 'line 14: 4 fields where the header has 3: quote a value that holds the delimiter' },
      { file: 'train.csv', className: '', reason: 'line 42: 2 fields where the header has 3' },
    ],
  });
});

test('hexadecimal, binary and octal numbers are not read as numbers: the row is skipped with the reason', GUARD, async () => {
  const dir = makeTempDir();
  const body = tableRows(400);
  body[10] = '10,0x10,even';
  body[11] = '11,0b1,odd';
  body[12] = '0o7,1,even';
  body[13] = '13,1e2,odd'; // decimal forms stay numbers
  body[14] = '14,-.5,even';
  writeFile(dir, 'train.csv', csvText(body));
  writeFile(dir, 'val.csv', csvText(tableRows(10)));
  const dataset = await loadCsvDataset(csvSpec({ validation: { path: 'val.csv' } }, { standardize: false }), loadContext(dir));
  assert.deepEqual(
    dataset.report.skipped.items.map((item) => item.reason),
    ['line 12: column "x2" is not a number ("0x10")', 'line 13: column "x2" is not a number ("0b1")', 'line 14: column "x1" is not a number ("0o7")'],
  );
  assert.equal(dataset.train.size, 397);
  // Rows 13 and 14 are samples 10 and 11 once rows 10–12 are left out.
  assert.deepEqual(Array.from(dataset.train.readBatch([10, 11])), [13, 100, 14, -0.5]);
});

test('a row of 50 million empty fields is skipped with its line after a bounded read, and the rows after it keep their lines', GUARD, async () => {
  const dir = makeTempDir();
  const body = tableRows(300);
  body[5] = `5,5,odd${','.repeat(50_000_000)}`;
  body[200] = '200,abc,even';
  writeFile(dir, 'train.csv', csvText(body));
  const heapBefore = process.memoryUsage().heapUsed;
  const dataset = await loadCsvDataset(csvSpec({}), loadContext(dir));
  // Held as cells, the row alone would take 400 MB of the heap (8 bytes a cell).
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 100 * 1024 * 1024, 'the wide row was held in memory');
  assert.equal(dataset.train.size + dataset.validation.size, 298);
  assert.deepEqual(
    dataset.report.skipped.items.map((item) => item.reason),
    ['line 7: 50,000,003 fields where the header has 3: quote a value that holds the delimiter', 'line 202: column "x2" is not a number ("abc")'],
  );
});

test('rows after a skipped wide row keep their line numbers, with CRLF line ends and a line break inside quotes', GUARD, async () => {
  const dir = makeTempDir();
  const body = tableRows(400);
  body[3] = '3,"4\n",odd'; // lines 5–6
  body[10] = `10,10,even${','.repeat(100)}`; // line 13
  body[20] = '20,abc,even'; // line 23
  writeFile(dir, 'train.csv', ['x1,x2,y', ...body].join('\r\n'));
  const dataset = await loadCsvDataset(csvSpec({}), loadContext(dir));
  assert.deepEqual(
    dataset.report.skipped.items.map((item) => item.reason),
    [
      'line 6: column "x2" is not a number ("4\\n")',
      'line 13: 103 fields where the header has 3: quote a value that holds the delimiter',
      'line 23: column "x2" is not a number ("abc")',
    ],
  );
});

test('a header of millions of columns is refused with its place before the rows are read', GUARD, async () => {
  const dir = makeTempDir();
  writeFile(dir, 'train.csv', `x1,x2,y${','.repeat(5_000_000)}\n1,2,a\n`);
  await assert.rejects(loadCsvDataset(csvSpec({}), loadContext(dir)), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(
      error.message,
      `exp.jointrain.yaml:3:5 datasets[0].path: the header of ${path.join(dir, 'train.csv')} has 5,000,003 columns, more than the 100,000 a CSV dataset may have`,
    );
    return true;
  });
});

test('a skip reason quoting a huge cell is cut to 200 characters, so run.json stays small', GUARD, async () => {
  const dir = makeTempDir();
  const body = tableRows(300);
  body[3] = `3,${'9'.repeat(1_000_000)}x,odd`;
  writeFile(dir, 'train.csv', csvText(body));
  const dataset = await loadCsvDataset(csvSpec({}), loadContext(dir));
  const [item] = dataset.report.skipped.items;
  assert.ok(item !== undefined);
  assert.ok(item.reason.length <= MAX_REASON_LENGTH, `reason of ${item.reason.length} characters`);
  assert.match(item.reason, /^line 5: column "x2" is not a number \("9{30,}…"\)$/);
  assert.ok(JSON.stringify(dataset.report).length < 2_000);
});

test('every recorded reason and class name is cut to 200 characters with an ellipsis, never splitting a character', () => {
  const skips = new SkipLog();
  skips.add('a/1.png', 'c'.repeat(10_000), `cannot decode: ${'😀'.repeat(5_000)}`);
  const [item] = skips.toReport().items;
  assert.ok(item !== undefined);
  assert.equal(item.className.length, MAX_REASON_LENGTH);
  assert.ok(item.className.endsWith('…'));
  assert.ok(item.reason.length <= MAX_REASON_LENGTH && item.reason.endsWith('…'));
  assert.ok(!/[\uD800-\uDBFF]…$/.test(item.reason), 'a surrogate pair was split');
  assert.deepEqual(Object.keys(skips.toReport().byClass), [item.className]);
});

const LOOP_REASON = 'a link back to a folder above it (a loop): not followed';

test('links back to a folder above them are skipped with the reason, not walked', GUARD, async () => {
  const dir = makeTempDir();
  const train = path.join(dir, 'train');
  await writeGreyFolder(train, { a: { count: 3, base: 10 }, b: { count: 2, base: 100 } });
  fs.symlinkSync('../train', path.join(train, 'loop')); // a "class" that is the dataset folder itself
  fs.mkdirSync(path.join(train, 'a', 'nested'));
  fs.symlinkSync('../..', path.join(train, 'a', 'nested', 'up')); // a class folder's descendant linking to the dataset folder
  fs.symlinkSync('.', path.join(train, 'b', 'self'));
  const dataset = await loadImageDataset(imageSpec({ validation: { split: 0.4 } }), loadContext(dir));
  try {
    assert.deepEqual(dataset.classes, ['a', 'b']);
    assert.equal(dataset.train.size + dataset.validation.size, 5);
    assert.deepEqual(dataset.report.skipped.items, [
      { file: 'loop', className: '', reason: LOOP_REASON },
      { file: 'a/nested/up', className: 'a', reason: LOOP_REASON },
      { file: 'b/self', className: 'b', reason: LOOP_REASON },
    ]);
  } finally {
    dataset.close();
  }
});

/**
 * Opens `fifo` for writing and closes it again, over and over, so that code that wrongly opens the
 * pipe for reading gets end-of-file and fails the test instead of blocking the process for ever.
 */
function answerReadersOf(fifo: string): ChildProcess {
  return spawn('sh', ['-c', 'while :; do : > "$1"; done', 'sh', fifo], { stdio: 'ignore' });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill();
  await exited;
}

test('a named pipe, a link to /dev/zero and a socket in a class folder are skipped unopened with the reason', GUARD, async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { '3': { count: 3, base: 30 }, '7': { count: 2, base: 70 } });
  const fifo = path.join(dir, 'train', '3', 'fifo.png');
  execFileSync('mkfifo', [fifo]);
  fs.symlinkSync('/dev/zero', path.join(dir, 'train', '3', 'zero.png'));
  const server = (await import('node:net')).createServer();
  server.listen(path.join(dir, 'train', '7', 'socket.png'));
  await once(server, 'listening');
  const writer = answerReadersOf(fifo);
  try {
    const dataset = await loadImageDataset(imageSpec({ validation: { split: 0.4 } }), loadContext(dir));
    dataset.close();
    assert.equal(dataset.train.size + dataset.validation.size, 5);
    assert.deepEqual(dataset.report.skipped, {
      count: 3,
      byClass: { '3': 2, '7': 1 },
      items: [
        { file: '3/fifo.png', className: '3', reason: 'a named pipe (FIFO), not a file: not read' },
        { file: '3/zero.png', className: '3', reason: 'a character device, not a file: not read' },
        { file: '7/socket.png', className: '7', reason: 'a socket, not a file: not read' },
      ],
    });
  } finally {
    server.close();
    await stop(writer);
  }
});

test('an image file over 64 MiB is skipped with its size, unread', GUARD, async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 60, base: 0 }, b: { count: 60, base: 100 } });
  const huge = path.join(dir, 'train', 'a', 'huge.png');
  fs.writeFileSync(huge, '');
  fs.truncateSync(huge, 65 * 1024 * 1024); // sparse: no disk used
  const dataset = await loadImageDataset(imageSpec({ validation: { split: 0.1 } }), loadContext(dir));
  try {
    assert.equal(dataset.train.size + dataset.validation.size, 120);
    assert.deepEqual(dataset.report.skipped.items, [
      { file: 'a/huge.png', className: 'a', reason: 'too large for an image file: 65.0 MiB (the limit is 64.0 MiB)' },
    ]);
  } finally {
    dataset.close();
  }
});

test('validate and the editor warn at the dataset path about pipes, devices and link loops in an image folder', GUARD, async () => {
  const dir = makeTempDir();
  writeFile(dir, 'imgs/3/0.png', 'not decoded here');
  writeFile(dir, 'imgs/7/0.png', 'not decoded here');
  execFileSync('mkfifo', [path.join(dir, 'imgs', '3', 'fifo.png')]);
  fs.symlinkSync('/dev/urandom', path.join(dir, 'imgs', '7', 'random.png'));
  fs.symlinkSync('../imgs', path.join(dir, 'imgs', 'loop'));
  fs.symlinkSync('..', path.join(dir, 'imgs', '7', 'back'));
  const text = [
    'version: 1',
    'datasets:',
    '  - name: digits',
    '    type: images',
    '    path: imgs',
    '    image: { size: [8, 8], channels: 1 }',
    '    head: digit',
    '    stem: image',
    'model:',
    '  stems:',
    '    image: { layers: [ { type: flatten } ] }',
    '  heads:',
    '    digit: { task: classification }',
    '',
  ].join('\n');
  const file = writeFile(dir, 'exp.jointrain.yaml', text);
  const issues = await validateExperimentFile(file);
  assert.deepEqual(issues.map(locatedIssue), [
    '5:11-5:15 warning datasets[0].path: `3/fifo.png`, `7/random.png` are not regular files (a device, pipe or socket): training skips them unread; remove them from the folder',
    '5:11-5:15 warning datasets[0].path: `loop`, `7/back` link back to a folder above (a loop): training does not follow them; remove the links',
  ]);
  assert.deepEqual((await dataIssues(text, file, localDataFiles(dir))).map(formatIssue), issues.map(formatIssue));
});
