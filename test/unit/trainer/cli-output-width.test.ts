/** The CLI's lines keep to 100 columns, so an 80 to 120-column terminal shows them unwrapped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatasetReport, MetricRecord } from '../../../src/shared/runs/format';
import { TERMINAL_WIDTH, wrapParts } from '../../../src/trainer/cli/format';
import { runSummaryTable } from '../../../src/trainer/cli/summaryTable';

const widest = (text: string) => Math.max(...text.split('\n').map((line) => [...line].length));

test('a long list after a heading is broken before the part that would pass the width, continuation lines indented', () => {
  const parts = Array.from({ length: 12 }, (_, i) => `dataset-${i} 0.123/45.6%`);
  const text = wrapParts('epoch 3/10: 91 steps, 5,123 samples/s, val loss/acc: ', parts);
  assert.ok(widest(text) <= TERMINAL_WIDTH, text);
  assert.equal(text.replace(/\n {2}/g, ' '), `epoch 3/10: 91 steps, 5,123 samples/s, val loss/acc: ${parts.join(', ')}`);
  assert.equal(wrapParts('short: ', ['a', 'b']), 'short: a, b');
});

test('the final table of four datasets with the usual names fits in 100 columns', () => {
  const names = ['digits-clean', 'digits-scanned', 'digits-inverted', 'sensors'];
  const report = (name: string): DatasetReport => ({
    name,
    type: 'images',
    head: name === 'sensors' ? 'activity' : 'digit',
    stem: 'image',
    task: 'classification',
    train: { size: 2400, classes: {} },
    validation: { size: 600, classes: {} },
    skipped: { count: 0, byClass: {}, items: [] },
    sampleShape: [28, 28, 1],
    fromCache: true,
  });
  const metrics = {
    samples: 1,
    trainLoss: 0.1234,
    trainAccuracy: 0.9876,
    valLoss: 0.2345,
    valAccuracy: 0.8765,
    configuredShare: 0.245,
    realizedShare: 0.2449,
    lossShare: 0.251,
    epochsSeen: 12.3,
    samplingWeight: 1,
    lossWeight: 1,
  };
  const epoch: Extract<MetricRecord, { kind: 'epoch' }> = {
    kind: 'epoch',
    epoch: 1,
    steps: 10,
    time: '',
    durationMs: 1,
    samplesPerSecond: 1,
    totalLoss: 1,
    datasets: Object.fromEntries(names.map((name) => [name, metrics])),
  };
  const table = runSummaryTable(names.map(report), epoch);
  assert.ok(widest(table) <= TERMINAL_WIDTH, `${widest(table)} columns:\n${table}`);
});
