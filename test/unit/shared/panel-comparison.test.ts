import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ComparedRunReader } from '../../../src/extension/panel/comparedRunReader';
import { curveSeries } from '../../../src/shared/panel/chartSeries';
import { canCompare, comparedRun, comparisonAffected, comparisonCandidates } from '../../../src/shared/panel/comparison';
import { initialPanelState, reducePanel } from '../../../src/shared/panel/panelState';
import { PanelUiStateSchema, parsePanelMessage } from '../../../src/shared/panel/protocol';
import { emptyRunView, foldRecords } from '../../../src/shared/panel/runView';
import type { MetricRecord, RunRecord, RunStatus } from '../../../src/shared/runs/format';

function runRecord(id: string, experimentName: string, startedAt: string, status: RunStatus = 'completed'): RunRecord {
  const split = (size: number) => ({ size, classes: { a: size } });
  return {
    formatVersion: 1,
    id,
    experimentName,
    experimentPath: '/x.jointrain.yaml',
    status,
    pid: 1,
    seed: 1,
    epochs: { total: 2, completed: 0 },
    timings: { startedAt },
    heads: {},
    datasets: [
      {
        name: 'clean',
        type: 'images',
        head: 'digit',
        stem: 'image',
        task: 'classification',
        train: split(10),
        validation: split(2),
        skipped: { count: 0, byClass: {}, items: [] },
        sampleShape: [8, 8, 1],
        fromCache: false,
      },
    ],
  };
}

const step = (globalStep: number, loss: number): MetricRecord => ({
  kind: 'step',
  epoch: 1,
  step: globalStep,
  globalStep,
  time: '',
  totalLoss: loss,
  datasets: { clean: { samples: 8, loss } },
});

test('the compare picker lists the other runs of the same experiment, newest first, and never the run itself', () => {
  const current = runRecord('r2', 'digits', '2026-11-29T20:10:00.000Z');
  const records = [
    runRecord('r1', 'digits', '2026-11-29T19:00:00.000Z'),
    current,
    runRecord('x1', 'other', '2026-11-29T21:00:00.000Z'),
    runRecord('r3', 'digits', '2026-11-29T21:30:00.000Z', 'running'),
  ];
  assert.deepEqual(comparisonCandidates(current, records), [
    { runId: 'r3', label: '2026-11-29 21:30 · running' },
    { runId: 'r1', label: '2026-11-29 19:00 · completed' },
  ]);
  assert.equal(canCompare(current, runRecord('x1', 'other', '')), false);
  assert.equal(canCompare(current, current), false);
  assert.equal(canCompare(current, runRecord('r1', 'digits', '')), true);
});

test('a comparison message sets and clears the compared run without touching the run view', () => {
  const view = foldRecords(emptyRunView(runRecord('r2', 'digits', '')), [step(1, 2)], []);
  const other = comparedRun(foldRecords(emptyRunView(runRecord('r1', 'digits', '')), [step(1, 5), step(2, 4)], []));
  let state = reducePanel(initialPanelState, { type: 'snapshot', protocol: 2, seq: 1, run: view }).state;
  state = reducePanel(state, { type: 'comparison', seq: 2, candidates: [{ runId: 'r1', label: 'x' }], compared: other }).state;
  assert.equal(state.compared?.runId, 'r1');
  assert.equal(state.run, view);
  assert.deepEqual(curveSeries(state.compared ?? view, 'clean', 'trainLoss', 'step', 0)?.ys, [5, 4]);
  assert.deepEqual(curveSeries(view, 'clean', 'trainLoss', 'step', 0)?.ys, [2]);

  state = reducePanel(state, { type: 'snapshot', protocol: 2, seq: 3, run: view }).state;
  assert.equal(state.compared?.runId, 'r1', 'a fresh snapshot of this run keeps the comparison');
  state = reducePanel(state, { type: 'comparison', seq: 4, candidates: [] }).state;
  assert.equal(state.compared, undefined);
});

test('a compare request from the webview names a run id or null, nothing else', () => {
  assert.equal(parsePanelMessage({ type: 'compare', runId: 'r2', otherRunId: 'r1' }).ok, true);
  assert.equal(parsePanelMessage({ type: 'compare', runId: 'r2', otherRunId: null }).ok, true);
  assert.equal(parsePanelMessage({ type: 'compare', runId: 'r2', otherRunId: '../../etc' }).ok, false);
});

test('a compared run that is still training is followed: each read adds what its folder gained', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointrain-compare-'));
  try {
    const record = runRecord('r1', 'digits', '', 'running');
    const reader = new ComparedRunReader('r1', dir);
    appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify(step(1, 5))}\n${JSON.stringify(step(2, 4))}\n`);
    assert.deepEqual(curveSeries(await reader.read(record), 'clean', 'trainLoss', 'step', 0)?.ys, [5, 4]);
    appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify(step(3, 3))}\n${JSON.stringify(step(4, 2)).slice(0, 20)}`);
    assert.deepEqual(curveSeries(await reader.read(record), 'clean', 'trainLoss', 'step', 0)?.ys, [5, 4, 3], 'a torn last line waits');
    appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify(step(4, 2)).slice(20)}\n`);
    assert.deepEqual(curveSeries(await reader.read(record), 'clean', 'trainLoss', 'step', 0)?.ys, [5, 4, 3, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only changes to other runs of the same experiment refresh the comparison', () => {
  const current = runRecord('r2', 'digits', '');
  assert.equal(comparisonAffected(current, [runRecord('r1', 'digits', '')]), true);
  assert.equal(comparisonAffected(current, [current]), false, 'this run’s own changes go out as deltas');
  assert.equal(comparisonAffected(current, [runRecord('x1', 'other', '')]), false);
  assert.equal(comparisonAffected(current, []), false);
});

test('the compared run is kept in the saved panel state for the serializer; a bad one is dropped', () => {
  assert.equal(PanelUiStateSchema.parse({ runId: 'r2', comparedRunId: 'r1' }).comparedRunId, 'r1');
  assert.equal(PanelUiStateSchema.parse({ runId: 'r2', comparedRunId: '../x' }).comparedRunId, null);
  assert.equal(PanelUiStateSchema.parse({ runId: 'r2' }).comparedRunId, undefined);
});
