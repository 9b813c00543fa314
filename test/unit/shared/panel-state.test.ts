import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialPanelState, nextEpochFor, reducePanel, withSentRequest, type PanelState } from '../../../src/shared/panel/panelState';
import type { HostToPanelMessage } from '../../../src/shared/panel/protocol';
import { downsampleCurves, emptyRunView, epochPosition, foldRecords, type RunView } from '../../../src/shared/panel/runView';
import type { EpochDatasetMetrics, MetricRecord, RunEvent, RunRecord } from '../../../src/shared/runs/format';
import { epochMetrics } from '../support/epochMetrics';

function runRecord(): RunRecord {
  const split = (size: number) => ({ size, classes: { '<img src=x onerror=alert(1)>': size } });
  const dataset = (name: string, size: number) => ({
    name,
    type: 'images' as const,
    head: 'digit',
    stem: 'image',
    task: 'classification' as const,
    train: split(size),
    validation: split(10),
    skipped: { count: 0, byClass: {}, items: [] },
    sampleShape: [8, 8, 1],
    fromCache: false,
  });
  return {
    formatVersion: 1,
    id: 'run-1',
    experimentName: 'digits',
    experimentPath: '/x.jointrain.yaml',
    status: 'running',
    pid: 1,
    seed: 1,
    epochs: { total: 5, completed: 0 },
    timings: { startedAt: '' },
    datasets: [dataset('clean', 100), dataset('noisy', 20)],
    heads: {},
  };
}

const step = (epoch: number, stepNo: number, globalStep: number): MetricRecord => ({
  kind: 'step',
  epoch,
  step: stepNo,
  globalStep,
  time: '',
  totalLoss: 1,
  datasets: { clean: { samples: 8, loss: 2 / globalStep, accuracy: 0.5 }, noisy: { samples: 8, loss: 3 / globalStep } },
});
const metrics = (over: Partial<EpochDatasetMetrics> = {}): EpochDatasetMetrics =>
  epochMetrics({ samples: 24, trainAccuracy: 0.5, valLoss: 0.9, valAccuracy: 0.6, ...over });
const epoch = (n: number, steps = 3): MetricRecord => ({
  kind: 'epoch',
  epoch: n,
  steps,
  time: '',
  durationMs: 1,
  samplesPerSecond: 1,
  totalLoss: 1,
  datasets: { clean: metrics(), noisy: metrics({ epochsSeen: 5 * n }) },
});

function snapshot(seq: number, run: RunView): HostToPanelMessage {
  return { type: 'snapshot', protocol: 2, seq, run };
}
const delta = (seq: number, m: MetricRecord[], events: RunEvent[] = []): HostToPanelMessage => ({ type: 'delta', seq, metrics: m, events });

test('a snapshot then deltas in sequence grow every dataset’s curves', () => {
  let state: PanelState = reducePanel(initialPanelState, snapshot(1, emptyRunView(runRecord()))).state;
  state = reducePanel(state, delta(2, [step(1, 1, 1), step(1, 2, 2)])).state;
  state = reducePanel(state, delta(3, [step(1, 3, 3), epoch(1)])).state;
  assert.equal(state.seq, 3);
  assert.equal(state.run?.curves.clean?.trainLoss?.length, 3);
  assert.equal(state.run?.curves.noisy?.trainLoss?.length, 3);
  assert.equal(state.run?.curves.noisy?.trainAccuracy, undefined);
  assert.deepEqual(state.run?.curves.clean?.valLoss, [{ x: 3, epoch: 1, y: 0.9 }]);
  assert.equal(state.run?.epochs.completed, 1);
  assert.equal(state.run?.latestEpoch.noisy?.epochsSeen, 5);
});

test('a gap in sequence numbers is not applied and asks for a snapshot once', () => {
  let reduced = reducePanel(initialPanelState, snapshot(1, emptyRunView(runRecord())));
  reduced = reducePanel(reduced.state, delta(3, [step(1, 1, 1)]));
  assert.equal(reduced.requestSnapshot, true);
  assert.equal(reduced.state.run?.curves.clean, undefined);
  reduced = reducePanel(reduced.state, delta(4, [step(1, 2, 2)]));
  assert.equal(reduced.requestSnapshot, false, 'already asked');
  assert.equal(reduced.state.run?.curves.clean, undefined, 'deltas are ignored until the snapshot');
  const fresh = foldRecords(emptyRunView(runRecord()), [step(1, 1, 1), step(1, 2, 2)], []);
  reduced = reducePanel(reduced.state, snapshot(5, fresh));
  assert.equal(reduced.state.awaitingSnapshot, false);
  reduced = reducePanel(reduced.state, delta(6, [step(1, 3, 3)]));
  assert.equal(reduced.state.run?.curves.clean?.trainLoss?.length, 3);
});

test('a repeated delta is ignored', () => {
  let state = reducePanel(initialPanelState, snapshot(1, emptyRunView(runRecord()))).state;
  state = reducePanel(state, delta(2, [step(1, 1, 1)])).state;
  const again = reducePanel(state, delta(2, [step(1, 1, 1)]));
  assert.equal(again.requestSnapshot, false);
  assert.equal(again.state.run?.curves.clean?.trainLoss?.length, 1);
});

test('deltas before the first snapshot are not applied', () => {
  const reduced = reducePanel(initialPanelState, delta(1, [step(1, 1, 1)]));
  assert.equal(reduced.state.run, undefined);
});

test('a weight change sent by the panel stays pending until the trainer applies it, then leaves a marker', () => {
  let state = reducePanel(initialPanelState, snapshot(1, foldRecords(emptyRunView(runRecord()), [step(1, 1, 1)], []))).state;
  assert.equal(nextEpochFor(state.run as RunView), 2);
  state = withSentRequest(state, { requestId: 'panel-a', untilEpoch: 2, sampling: { clean: 1, noisy: 0.5 }, loss: { clean: 1, noisy: 1 } });
  state = reducePanel(
    state,
    delta(2, [], [{ kind: 'weights-requested', time: '', epoch: 1, step: 1, change: { sampling: { noisy: 0.5 } }, requestId: 'panel-a' }]),
  ).state;
  assert.deepEqual(
    state.run?.pending.map((p) => [p.requestId, p.untilEpoch]),
    [['panel-a', 2]],
  );
  // A snapshot that does not know the request yet keeps the panel's pending request.
  state = reducePanel(state, snapshot(3, emptyRunView(runRecord()))).state;
  assert.equal(state.run?.pending.length, 1);
  state = reducePanel(
    state,
    delta(
      4,
      [epoch(1)],
      [{ kind: 'weights-applied', time: '', epoch: 2, sampling: { clean: 1, noisy: 0.5 }, loss: { clean: 1, noisy: 1 }, requestId: 'panel-a' }],
    ),
  ).state;
  assert.equal(state.run?.pending.length, 0);
  assert.deepEqual(state.run?.markers, [{ epoch: 2, source: 'panel', label: 'weights changed from the panel', requestId: 'panel-a' }]);
  assert.equal(state.run?.weights.sampling.noisy, 0.5);
  // A later snapshot that has settled the request does not bring it back.
  const settled = foldRecords(emptyRunView(runRecord()), [], [{ kind: 'weights-applied', time: '', epoch: 2, sampling: {}, loss: {}, requestId: 'panel-a' }]);
  state = reducePanel(state, snapshot(5, settled)).state;
  assert.equal(state.run?.pending.length, 0);
});

test('a rejected weight change is settled with a notice', () => {
  let state = reducePanel(initialPanelState, snapshot(1, emptyRunView(runRecord()))).state;
  state = withSentRequest(state, { requestId: 'panel-b', untilEpoch: 1, sampling: {}, loss: {} });
  state = reducePanel(state, delta(2, [], [{ kind: 'weights-rejected', time: '', reason: 'unknown dataset', requestId: 'panel-b' }])).state;
  assert.equal(state.run?.pending.length, 0);
  assert.match(state.run?.notices.at(-1) ?? '', /unknown dataset/);
});

test('step points sit between epoch ends on an epoch axis', () => {
  const view = foldRecords(emptyRunView(runRecord()), [step(1, 1, 1), step(1, 2, 2), step(1, 3, 3), epoch(1), step(2, 1, 4)], []);
  assert.equal(epochPosition(view, { x: 3, y: 0 }), 1);
  assert.ok(Math.abs(epochPosition(view, { x: 1, y: 0 }) - 1 / 3) < 1e-9);
  assert.ok(Math.abs(epochPosition(view, { x: 4, y: 0 }) - 4 / 3) < 1e-9);
});

test('a long history is downsampled for the snapshot and kept bounded while it grows', () => {
  const records = Array.from({ length: 10_000 }, (_, i) => step(1, i + 1, i + 1));
  const view = downsampleCurves(foldRecords(emptyRunView(runRecord()), records, []), 500);
  assert.ok((view.curves.clean?.trainLoss?.length ?? 0) <= 500);
  const grown = foldRecords(
    emptyRunView(runRecord()),
    Array.from({ length: 5000 }, (_, i) => step(1, i + 1, i + 1)),
    [],
  );
  assert.ok((grown.curves.clean?.trainLoss?.length ?? 0) <= 4000);
});

test('the view of a run names where each dataset was read from, when the run recorded it', () => {
  const record = runRecord();
  const [first, second] = record.datasets as [RunRecord['datasets'][number], RunRecord['datasets'][number]];
  const view = emptyRunView({ ...record, datasets: [{ ...first, source: '/data/elsewhere/clean' }, second] });
  assert.equal(view.datasets[0]?.source, '/data/elsewhere/clean');
  assert.ok(!('source' in (view.datasets[1] ?? {})), 'an older run without it shows none');
});

test('the view names the backend and GPU of the newest start or resume, from run.json or from the events alike', () => {
  const gpu = { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070', software: false };
  const started: RunEvent = { kind: 'started', time: '', backend: 'webgpu', adapter: gpu };
  const fromEvents = foldRecords(emptyRunView(runRecord()), [], [started]);
  assert.deepEqual(fromEvents.backend, { name: 'webgpu', adapter: gpu });
  const fromRecord = emptyRunView({ ...runRecord(), backend: { name: 'webgpu', requested: 'auto', usingGpu: true, skipped: [], adapter: gpu } });
  assert.deepEqual(fromRecord.backend, { name: 'webgpu', adapter: gpu, usingGpu: true });
  const resumed = foldRecords(fromEvents, [], [{ kind: 'resumed-from-checkpoint', time: '', epoch: 2, checkpoint: 'epoch-2', skipped: [], backend: 'wasm' }]);
  assert.deepEqual(resumed.backend, { name: 'wasm' }, 'a resume on another backend replaces the device');
  assert.equal(emptyRunView(runRecord()).backend, undefined, 'nothing is named before the trainer has chosen');
});
