/** The Runs view's tree items, the status bar item of the live run, and the Problems entries for data a run skipped. */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import type { TrainerMessage } from '../../../src/shared/protocol/trainerMessages';
import { RunStore } from '../../../src/extension/runs/runStore';
import { RunStatusBar, STEP_RENDER_INTERVAL_MS } from '../../../src/extension/views/runStatusBar';
import type { RunsTreeNode } from '../../../src/extension/views/runsTree';
import { buildRunsTree } from '../../../src/extension/views/runsTree';
import { RunsTreeProvider } from '../../../src/extension/views/runsTreeProvider';
import { RunDataDiagnostics } from '../../../src/extension/views/runDataDiagnostics';
import { statusLine } from '../../../src/extension/views/statusLine';
import { diagnosticCollections, fakeUri, resetFakeVscode, statusBarItems, type Diagnostic, type ThemeIcon, type TreeItem } from './support/fakeVscode';
import { datasetReport, runRecord, stepRecord, tempDir, writeRun } from './support/runFixtures';

beforeEach(resetFakeVscode);

async function storeWith(...runs: Array<Parameters<typeof runRecord>>): Promise<{ store: RunStore; runsDir: string }> {
  const runsDir = tempDir();
  for (const [id, overrides] of runs) writeRun(runsDir, runRecord(id, overrides));
  const store = new RunStore([runsDir]);
  await store.refreshAll();
  return { store, runsDir };
}

const step = (epoch: number, loss: number): Extract<TrainerMessage, { type: 'step' }> => ({
  type: 'step',
  epoch,
  totalEpochs: 10,
  step: 7,
  stepsInEpoch: 20,
  samplesPerSecond: 99.6,
  datasets: { clean: { samples: 8, loss, accuracy: 0.25 }, noisy: { samples: 8, loss: loss / 2 } },
});

describe('the status bar', () => {
  test('it is hidden while no run is live, and shows the newest live run with a command to open it', async () => {
    const { store, runsDir } = await storeWith(['20261129-100000-digits-aaaa', { status: 'completed' }]);
    const bar = new RunStatusBar(store);
    const [item] = statusBarItems;
    assert.ok(item);
    assert.deepEqual([item.id, item.alignment, item.priority, item.name], ['jointrain.run', 1, 50, 'jointrain run']);
    bar.render();
    assert.equal(item.visible, false, 'a completed run is not shown');

    writeRun(runsDir, runRecord('20261129-110000-digits-bbbb', { status: 'running', epochs: { total: 10, completed: 2 } }));
    writeRun(runsDir, runRecord('20261129-120000-other-cccc', { status: 'paused', experimentName: 'other', epochs: { total: 5, completed: 0 } }));
    await store.refreshAll();
    bar.render();
    assert.equal(item.visible, true);
    assert.equal(item.text, '$(debug-pause) other: starting', 'the newest live run, by id');
    assert.deepEqual(item.command, { command: 'jointrain.openRun', title: 'Open run', arguments: ['20261129-120000-other-cccc'] });
    assert.equal(item.tooltip, 'jointrain: other is starting');
  });

  test('the run that sent the last step is the one shown, with its step and its worst dataset', async () => {
    const { store } = await storeWith(
      ['20261129-110000-digits-bbbb', { status: 'running', epochs: { total: 10, completed: 2 } }],
      ['20261129-120000-other-cccc', { status: 'running', experimentName: 'other' }],
    );
    const bar = new RunStatusBar(store);
    const [item] = statusBarItems;
    bar.onMessage('20261129-110000-digits-bbbb', step(3, 0.5));
    assert.equal(item?.text, '$(sync~spin) digits · epoch 3 of 10 (running) · step 7/20 · worst clean 0.500');
    assert.equal(
      item?.tooltip,
      'jointrain: digits, epoch 3 of 10 (running)\nstep 7 of 20, 100 samples/s\nclean: loss 0.500, acc 25.0%\nnoisy: loss 0.250\nClick to open the run',
    );
    bar.onMessage('20261129-110000-digits-bbbb', { type: 'status', status: 'running' });
    assert.match(item?.text ?? '', /^\$\(sync~spin\) digits · epoch 3 of 10/, 'other messages keep the focus and the last step');
    bar.dispose();
    assert.equal(item?.disposed, true);
  });

  test('steps redraw the item at most every 250 ms, the last step always shown; a status change redraws at once', async (t) => {
    const { store } = await storeWith(['20261129-110000-digits-bbbb', { status: 'running', epochs: { total: 10, completed: 2 } }]);
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const bar = new RunStatusBar(store);
    const [item] = statusBarItems;
    const shownStep = () => /step (\d+)\/20/.exec(item?.text ?? '')?.[1];
    const stepNumber = (n: number) => ({ ...step(3, 0.5), step: n });
    bar.onMessage('20261129-110000-digits-bbbb', stepNumber(1));
    assert.equal(shownStep(), '1', 'the first step shows at once');
    for (let n = 2; n <= 40; n++) bar.onMessage('20261129-110000-digits-bbbb', stepNumber(n));
    assert.equal(shownStep(), '1', 'steps within the interval wait');
    t.mock.timers.tick(STEP_RENDER_INTERVAL_MS - 1);
    assert.equal(shownStep(), '1');
    t.mock.timers.tick(1);
    assert.equal(shownStep(), '40', 'then the last of them shows');
    bar.onMessage('20261129-110000-digits-bbbb', stepNumber(41));
    store.get('20261129-110000-digits-bbbb')!.record.status = 'paused';
    bar.onMessage('20261129-110000-digits-bbbb', { type: 'status', status: 'paused' });
    assert.match(item?.text ?? '', /^\$\(debug-pause\) digits · epoch 3 of 10 \(paused\) · step 41\/20/, 'a status change does not wait');
    bar.dispose();
  });

  test('a status line without live steps says where run.json left the run', () => {
    assert.deepEqual(statusLine('digits', 'running', undefined, { completed: 0, total: 4 }), {
      text: '$(sync~spin) digits: starting',
      tooltip: 'jointrain: digits is starting',
    });
    assert.equal(
      statusLine('digits', 'running', undefined, { completed: 2, total: 4 }).tooltip,
      'jointrain: digits, epoch 3 of 4 (running), 2 of 4 epochs done',
    );
    const gpu = { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070', software: false };
    assert.equal(
      statusLine('digits', 'running', undefined, { completed: 0, total: 4 }, { name: 'webgpu', adapter: gpu }).tooltip,
      'jointrain: digits is starting\nbackend: webgpu on nvidia NVIDIA GeForce RTX 4070 (ada)',
      'the tooltip names the GPU once the trainer has chosen it',
    );
    assert.deepEqual(statusLine('digits', 'running', step(1, 1), undefined, { name: 'tensorflow-gpu', usingGpu: true }).tooltip.split('\n').slice(1, 3), [
      `step 7 of 20, ${Math.round(step(1, 1).samplesPerSecond)} samples/s`,
      'backend: tensorflow-gpu (GPU)',
    ]);
    const noDatasets = { ...step(1, 1), datasets: {} };
    assert.equal(statusLine('digits', 'running', noDatasets).text, '$(sync~spin) digits · epoch 1 of 10 (running) · step 7/20', 'no worst dataset to name');
  });
});

describe('the Runs view', () => {
  test('experiments expand to runs and runs to datasets, each item with its icon, context value and accessible label', async () => {
    const { store } = await storeWith(
      [
        '20261129-100000-digits-aaaa',
        {
          status: 'failed',
          error: 'out of memory',
          timings: { startedAt: '2026-11-29T10:00:00.000Z', endedAt: '2026-11-29T10:05:00.000Z' },
          backend: { name: 'tensorflow', requested: 'auto', usingGpu: true, skipped: [] },
          datasets: [datasetReport('clean')],
        },
      ],
      [
        '20261129-110000-digits-bbbb',
        {
          status: 'stopped',
          timings: { startedAt: '2026-11-29T11:00:00.000Z' },
          model: { epoch: 3, chosen: 'best', monitor: 'val_accuracy_worst', value: 0.9125, last: { epoch: 5, path: 'model-last' } },
          test: {
            clean: { source: '/d/clean-test', samples: 40, loss: 0.3, accuracy: 0.925, macroF1: 0.9183 },
            price: { source: '/d/price.csv', samples: 10, loss: 0.1, mae: 0.0421 },
          },
        },
      ],
    );
    const provider = new RunsTreeProvider(store);
    const [experiment] = provider.getChildren();
    assert.ok(experiment?.kind === 'experiment');
    const experimentItem = provider.getTreeItem(experiment) as unknown as TreeItem;
    assert.deepEqual(
      [
        experimentItem.label,
        experimentItem.description,
        experimentItem.collapsibleState,
        experimentItem.contextValue,
        (experimentItem.iconPath as ThemeIcon).id,
      ],
      ['digits', '2 runs', 2, 'experiment', 'beaker'],
    );
    assert.deepEqual(experimentItem.accessibilityInformation, { label: 'digits, 2 runs' });

    const runs = provider.getChildren(experiment);
    assert.deepEqual(
      runs.map((run) => run.kind === 'run' && run.runId),
      ['20261129-110000-digits-bbbb', '20261129-100000-digits-aaaa'],
    );
    const failed = runs[1] as Extract<RunsTreeNode, { kind: 'run' }>;
    const item = provider.getTreeItem(failed) as unknown as TreeItem;
    assert.equal(item.collapsibleState, 1);
    assert.equal(item.contextValue, 'run.failed');
    assert.deepEqual([item.iconPath?.id, item.iconPath?.color?.id], ['error', 'testing.iconFailed']);
    assert.deepEqual(item.command, { command: 'jointrain.openRun', title: 'Open run', arguments: [failed] });
    assert.equal(item.id, failed.id);
    assert.match(
      item.tooltip ?? '',
      /^digits — 20261129-100000-digits-aaaa\nstatus: failed \(out of memory\)\nstarted: .*, ended: .*\nbackend: tensorflow \(GPU\)\nfolder: /,
    );
    assert.match(item.description ?? '', /\(failed\) · tensorflow$/);
    const stopped = provider.getTreeItem(runs[0] as RunsTreeNode) as unknown as TreeItem;
    // Which epoch model/ holds, and how it did on the test splits.
    assert.match(
      stopped.tooltip ?? '',
      /\nmodel\/: epoch 3, the best by val_accuracy_worst \(0\.9125\); model-last\/: epoch 5, the last\ntest clean: accuracy 92\.5%, macro-F1 0\.918\ntest price: MAE 0\.042\nfolder: /,
    );
    assert.deepEqual([stopped.iconPath?.id, stopped.iconPath?.color], ['circle-slash', undefined], 'a stopped run has no colour');

    const [dataset] = provider.getChildren(failed);
    assert.ok(dataset);
    const datasetItem = provider.getTreeItem(dataset) as unknown as TreeItem;
    assert.deepEqual(
      [datasetItem.label, datasetItem.description, datasetItem.collapsibleState, datasetItem.contextValue, datasetItem.iconPath?.id],
      ['clean', 'no metrics yet', 0, 'dataset', 'database'],
    );
    assert.deepEqual(provider.getChildren(dataset), []);
  });

  test('it rebuilds and tells VS Code when the store changes, and stops listening once disposed', async () => {
    const { store, runsDir } = await storeWith();
    const provider = new RunsTreeProvider(store);
    let fired = 0;
    provider.onDidChangeTreeData(() => fired++);
    assert.deepEqual(provider.getChildren(), []);
    writeRun(runsDir, runRecord('20261129-100000-digits-aaaa', { status: 'running' }), [stepRecord(1, 1, 0.75)]);
    await store.refreshAll();
    assert.equal(fired, 1);
    const run = provider.getChildren(provider.getChildren()[0])[0];
    assert.deepEqual(
      provider.getChildren(run).map((d) => [d.label, d.description]),
      [['clean', 'loss 0.750 · acc 50.0%']],
    );
    assert.equal((provider.getTreeItem(run as RunsTreeNode) as unknown as TreeItem).iconPath?.color?.id, 'charts.blue');
    provider.dispose();
    await store.refreshAll();
    assert.equal(fired, 1);
  });

  test('a regression dataset shows its validation MAE, and times are local by default', async () => {
    const { store } = await storeWith(['20261129-100000-digits-aaaa', { timings: { startedAt: '2026-11-29T10:00:00.000Z' } }]);
    const [run] = store.all();
    assert.ok(run);
    const withEpoch = {
      ...run,
      lastEpoch: {
        kind: 'epoch' as const,
        epoch: 1,
        steps: 1,
        time: '',
        durationMs: 1,
        samplesPerSecond: 1,
        totalLoss: 1,
        datasets: {
          load: {
            samples: 4,
            trainLoss: 1,
            valLoss: 0.5,
            valMae: 0.125,
            configuredShare: 1,
            realizedShare: 1,
            lossShare: 1,
            epochsSeen: 1,
            samplingWeight: 1,
            lossWeight: 1,
          },
        },
      },
    };
    const [experiment] = buildRunsTree([withEpoch]);
    const node = experiment?.children[0];
    const started = new Date('2026-11-29T10:00:00.000Z');
    const pad = (n: number) => String(n).padStart(2, '0');
    assert.equal(node?.label, `2026-11-${pad(started.getDate())} ${pad(started.getHours())}:${pad(started.getMinutes())}:00`);
    assert.deepEqual(
      node?.children.map((d) => d.description),
      ['val loss 0.500 · mae 0.125'],
    );
    assert.equal(buildRunsTree([{ ...run, record: { ...run.record, timings: { startedAt: 'not a date' } } }])[0]?.children[0]?.label, 'not a date');
  });
});

describe('data a run skipped, and the problem a run failed on, in the Problems panel', () => {
  const EXPERIMENT = `version: 1
name: digits
datasets:
  - name: clean
    type: images
    path: data/clean
    image: { size: [8, 8], channels: 1 }
    stem: image
    head: digit
  - name: table
    type: csv
    path: data/table.csv
    csv: { label: kind }
    stem: row
    head: digit
model:
  stems:
    image: { layers: [{ type: flatten }] }
    row: { layers: [{ type: dense, units: 4 }] }
  trunk: []
  heads:
    digit: { task: classification }
training:
  epochs: 1
`;
  const skipped = (count: number) => ({
    count,
    byClass: { '3': count },
    items: Array.from({ length: count }, (_, i) => ({ file: `3/bad-${i}.png`, className: '3', reason: 'not an image' })),
  });

  test('the newest run of each experiment puts a warning at each dataset path it skipped files of, and clears it when a newer run skipped none', async () => {
    const workspace = tempDir();
    const experimentPath = join(workspace, 'digits.jointrain.yaml');
    writeFileSync(experimentPath, EXPERIMENT);
    const { store, runsDir } = await storeWith(
      [
        '20261129-100000-digits-aaaa',
        { experimentPath, timings: { startedAt: '2026-11-29T10:00:00Z' }, datasets: [datasetReport('clean', { skipped: skipped(9) })] },
      ],
      [
        '20261129-110000-digits-bbbb',
        {
          experimentPath,
          timings: { startedAt: '2026-11-29T11:00:00Z' },
          datasets: [datasetReport('clean', { skipped: skipped(4) }), datasetReport('table', { type: 'csv', skipped: skipped(1) })],
        },
      ],
    );
    const problems = new RunDataDiagnostics(store);
    const [collection] = diagnosticCollections;
    assert.equal(collection?.name, 'jointrain-data');
    await problems.onRunsChanged();
    const shown = (collection?.get(fakeUri(experimentPath)) ?? []) as Diagnostic[];
    assert.deepEqual(
      shown.map((d) => [d.range.start.line, d.range.start.character, d.severity, d.source]),
      [
        [5, 10, 1, 'jointrain'],
        [11, 10, 1, 'jointrain'],
      ],
    );
    assert.equal(
      shown[0]?.message,
      'datasets[0].path: run 20261129-110000-digits-bbbb skipped 4 files of dataset clean (3: 4): 3/bad-0.png (not an image); 3/bad-1.png (not an image); 3/bad-2.png (not an image); 1 more in run.json',
    );
    assert.match(shown[1]?.message ?? '', /skipped 1 row of dataset table/);

    writeRun(
      runsDir,
      runRecord('20261129-120000-digits-cccc', { experimentPath, timings: { startedAt: '2026-11-29T12:00:00Z' }, datasets: [datasetReport('clean')] }),
    );
    await store.refreshAll();
    await problems.onRunsChanged();
    assert.deepEqual(collection?.uris(), []);
    problems.dispose();
    assert.equal(collection?.disposed, true);
  });

  test('the problem the newest run failed on is an error at the field it is about, with its hint, until a newer run of the experiment', async () => {
    const workspace = tempDir();
    const experimentPath = join(workspace, 'digits.jointrain.yaml');
    writeFileSync(experimentPath, EXPERIMENT);
    const failed = {
      experimentPath,
      status: 'failed' as const,
      timings: { startedAt: '2026-11-29T10:00:00Z' },
      datasets: [],
      error: `${experimentPath}:12:11 datasets[1].path: dataset "table": 5 of 65 rows of data/table.csv cannot be used (more than 1%); first: line 62: column "b" is empty`,
      errorAt: {
        field: ['datasets', 1, 'path'],
        message: 'dataset "table": 5 of 65 rows of data/table.csv cannot be used (more than 1%); first: line 62: column "b" is empty',
        hint: 'Fix or remove the rows listed, or choose the feature columns with csv.features.',
      },
    };
    const { store, runsDir } = await storeWith(['20261129-100000-digits-aaaa', failed]);
    const problems = new RunDataDiagnostics(store);
    const collection = diagnosticCollections[0];
    await problems.onRunsChanged();
    const shown = (collection?.get(fakeUri(experimentPath)) ?? []) as Diagnostic[];
    assert.deepEqual(
      shown.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character, d.severity]),
      [[11, 10, 24, 0]],
      'an error over `data/table.csv` on the line of the second dataset’s path',
    );
    assert.equal(
      shown[0]?.message,
      'datasets[1].path: run 20261129-100000-digits-aaaa failed: dataset "table": 5 of 65 rows of data/table.csv cannot be used (more than 1%); first: line 62: column "b" is empty — Fix or remove the rows listed, or choose the feature columns with csv.features.',
    );

    writeRun(runsDir, runRecord('20261129-100000-digits-aaaa', { ...failed, errorAt: undefined }));
    await store.refreshAll();
    await problems.onRunsChanged();
    assert.deepEqual(collection?.uris(), [], 'a failure not about a field of the file (an older run, a crash) puts nothing on it');

    writeRun(runsDir, runRecord('20261129-100000-digits-aaaa', failed));
    writeRun(
      runsDir,
      runRecord('20261129-110000-digits-bbbb', {
        experimentPath,
        status: 'running',
        timings: { startedAt: '2026-11-29T11:00:00Z' },
        datasets: [datasetReport('clean')],
      }),
    );
    await store.refreshAll();
    await problems.onRunsChanged();
    assert.deepEqual(collection?.uris(), [], 'a newer run of the experiment replaces the failed one');
  });

  test('nothing is recomputed while the skips are the same, and an experiment file that is gone gets nothing', async () => {
    const workspace = tempDir();
    const experimentPath = join(workspace, 'digits.jointrain.yaml');
    writeFileSync(experimentPath, EXPERIMENT);
    const { store } = await storeWith(['20261129-100000-digits-aaaa', { experimentPath, datasets: [datasetReport('clean', { skipped: skipped(2) })] }]);
    const problems = new RunDataDiagnostics(store);
    const collection = diagnosticCollections[0];
    await problems.onRunsChanged();
    assert.equal(collection?.get(fakeUri(experimentPath))?.length, 1);
    collection?.clear();
    await problems.onRunsChanged();
    assert.deepEqual(collection?.uris(), [], 'same skips: the warnings are not set again');

    rmSync(experimentPath);
    const other = await storeWith(['20261129-100000-digits-aaaa', { experimentPath, datasets: [datasetReport('clean', { skipped: skipped(2) })] }]);
    const orphan = new RunDataDiagnostics(other.store);
    await orphan.onRunsChanged();
    assert.deepEqual(diagnosticCollections[1]?.uris(), []);
  });
});
