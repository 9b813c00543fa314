import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { contentSecurityPolicy, panelHtml } from '../../../src/extension/panel/panelHtml';
import { readExperimentDefaults, RunFolderTail } from '../../../src/extension/panel/runFolderTail';
import { metricsCsv } from '../../../src/shared/panel/metricsCsv';
import { parsePanelMessage, PanelUiStateSchema } from '../../../src/shared/panel/protocol';

test('valid panel messages parse; anything else is refused, not obeyed', () => {
  assert.ok(parsePanelMessage({ type: 'ready' }).ok);
  assert.ok(parsePanelMessage({ type: 'export-png', runId: 'run-1', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' }).ok);
  assert.ok(parsePanelMessage({ type: 'set-weights', runId: 'run-1', requestId: 'panel-abc-1', sampling: { a: 1 }, loss: { a: 2 } }).ok);
  const refused = [
    { type: 'set-weights', runId: 'run-1', requestId: 'panel-abc', sampling: { a: -1 }, loss: {} },
    { type: 'set-weights', runId: 'run-1', requestId: 'panel-abc', sampling: { a: 1 }, loss: { a: 'NaN' } },
    { type: 'set-weights', runId: '../escape', requestId: 'panel-abc', sampling: {}, loss: {} },
    { type: 'set-weights', runId: 'run-1', requestId: '<img src=x>', sampling: {}, loss: {} },
    { type: 'stop', runId: 'run-1', extra: true },
    { type: 'export-png', runId: 'run-1', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' },
    { type: 'export-png', runId: 'run-1', dataUrl: 'javascript:alert(1)' },
    { type: 'runShell', command: 'rm -rf /' },
    'stop',
    null,
  ];
  for (const message of refused) assert.equal(parsePanelMessage(message).ok, false, JSON.stringify(message));
});

test('saved panel state with a bad field falls back to defaults but needs a valid run id', () => {
  assert.deepEqual(PanelUiStateSchema.parse({ runId: 'run-1', smoothing: 7, xAxis: 'z' }), {
    runId: 'run-1',
    smoothing: 0.6,
    xAxis: 'step',
    view: 'charts',
    hiddenSeries: [],
  });
  assert.equal(PanelUiStateSchema.safeParse({ runId: '../x' }).success, false);
});

test('the panel HTML allows only nonce scripts and its own assets: no eval, no inline, nothing remote', () => {
  const csp = contentSecurityPolicy({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'abc123' });
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|\*|https?:\/\/(?!file\+)/);
  const html = panelHtml(
    { cspSource: 'vscode-src', nonce: 'n0nce', scriptUri: 'vscode-src/dist/webview.js', styleUris: ['vscode-src/media/panel.css'] },
    'Run <img src=x onerror=alert(1)>',
  );
  assert.match(html, /<script nonce="n0nce" src="vscode-src\/dist\/webview.js"><\/script>/);
  assert.doesNotMatch(html, /<img/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test('the folder tail returns only whole new lines and picks up a torn line once it is complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointrain-panel-'));
  try {
    const step = (n: number) => JSON.stringify({ kind: 'step', epoch: 1, step: n, globalStep: n, time: '', totalLoss: 1, datasets: {} });
    writeFileSync(join(dir, 'metrics.jsonl'), `${step(1)}\n${step(2).slice(0, 10)}`);
    const tail = new RunFolderTail(dir);
    assert.deepEqual(
      (await tail.readNew()).metrics.map((r) => r.kind === 'step' && r.step),
      [1],
    );
    appendFileSync(join(dir, 'metrics.jsonl'), `${step(2).slice(10)}\n`);
    appendFileSync(join(dir, 'events.jsonl'), `${JSON.stringify({ kind: 'completed', time: '' })}\n`);
    const next = await tail.readNew();
    assert.deepEqual(
      next.metrics.map((r) => r.kind === 'step' && r.step),
      [2],
    );
    assert.deepEqual(
      next.events.map((e) => e.kind),
      ['completed'],
    );
    tail.rewind();
    assert.equal((await tail.readNew()).metrics.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the run’s mixing strategy and starting weights are read from its experiment snapshot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointrain-panel-'));
  try {
    assert.equal(await readExperimentDefaults(dir), undefined, 'no snapshot');
    writeFileSync(join(dir, 'experiment.jointrain.yaml'), readFileSync(join(__dirname, '..', '..', '..', 'examples', 'digits.jointrain.yaml'), 'utf8'));
    const defaults = await readExperimentDefaults(dir);
    assert.ok(defaults);
    assert.deepEqual(Object.keys(defaults.weights.sampling), ['clean', 'scanned', 'inverted', 'sensors']);
    assert.ok(['proportional', 'uniform', 'temperature', 'weights'].includes(defaults.mixing.strategy));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CSV export has a row per record and dataset and defuses spreadsheet formulas', () => {
  const csv = metricsCsv([
    { kind: 'step', epoch: 1, step: 1, globalStep: 1, time: '', totalLoss: 1, datasets: { a: { samples: 8, loss: 0.5, accuracy: 0.25 } } },
    {
      kind: 'epoch',
      epoch: 1,
      steps: 1,
      time: '',
      durationMs: 1,
      samplesPerSecond: 1,
      totalLoss: 1,
      datasets: {
        '=cmd|x': {
          samples: 8,
          trainLoss: 0.5,
          valLoss: 0.4,
          configuredShare: 1,
          realizedShare: 1,
          lossShare: 1,
          epochsSeen: 1,
          samplingWeight: 1,
          lossWeight: 1,
        },
      },
    },
  ]);
  const lines = csv.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1] ?? '', /^step,1,1,1,a,8,0.5,0.25,/);
  assert.match(lines[2] ?? '', /^epoch,1,,,"'=cmd\|x",8,,,0.5,,0.4,/);
});
