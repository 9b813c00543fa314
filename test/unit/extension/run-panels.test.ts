/**
 * The training panels as the host drives them, with the webview faked: what each panel posts, how it
 * answers the webview's messages, how panels are opened, restored and closed, and the notice when a
 * run ends.
 */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import type * as vscode from 'vscode';
import { RunEndNotifier } from '../../../src/extension/panel/runEndNotifier';
import { registerRunPanels, RunPanels } from '../../../src/extension/panel/runPanels';
import { RunStore } from '../../../src/extension/runs/runStore';
import type { HostToPanelMessage } from '../../../src/shared/panel/protocol';
import type { TrainerMessage } from '../../../src/shared/protocol/trainerMessages';
import { answers, dialogs, fakeUri, FakeWebviewPanel, resetFakeVscode, serializers, shown, until, webviewPanels, type FakeUri } from './support/fakeVscode';
import { datasetReport, fakeServices, runRecord, stepRecord, tempDir, writeRun } from './support/runFixtures';

const MAIN = '20261129-100000-digits-aaaa';
const OTHER = '20261129-090000-digits-bbbb';
const UNRELATED = '20261129-080000-other-cccc';
const EXTENSION = '/ext/jointrain';

async function setUp() {
  const runsDir = tempDir('panels-');
  const datasets = [datasetReport('clean'), datasetReport('noisy')];
  const mainDir = writeRun(
    runsDir,
    runRecord(MAIN, { status: 'running', epochs: { total: 4, completed: 0 }, timings: { startedAt: '2026-11-29T10:00:00Z' }, datasets }),
    [stepRecord(1, 1, 0.9), stepRecord(1, 2, 0.8)],
  );
  copyFileSync(join(__dirname, '..', '..', '..', 'examples', 'digits.jointrain.yaml'), join(mainDir, 'experiment.jointrain.yaml'));
  writeRun(runsDir, runRecord(OTHER, { status: 'completed', timings: { startedAt: '2026-11-29T09:00:00Z' }, datasets }), [
    stepRecord(1, 1, 0.5),
    stepRecord(1, 2, 0.25),
  ]);
  writeRun(
    runsDir,
    runRecord(UNRELATED, { experimentName: 'other', experimentPath: '/ws/other.jointrain.yaml', timings: { startedAt: '2026-11-29T08:00:00Z' } }),
  );
  const store = new RunStore([runsDir]);
  await store.refreshAll();
  const fakes = fakeServices(store);
  const panels = new RunPanels(fakes.services, fakeUri(EXTENSION) as unknown as vscode.Uri);
  return { ...fakes, store, runsDir, mainDir, panels };
}

type Posted = HostToPanelMessage;
const posted = (panel: FakeWebviewPanel) => panel.posted as Posted[];
const types = (panel: FakeWebviewPanel) => posted(panel).map((message) => message.type);
function postedOf<T extends Posted['type']>(panel: FakeWebviewPanel, type: T, count = 1): Promise<Extract<Posted, { type: T }>> {
  return until(() => posted(panel).filter((message): message is Extract<Posted, { type: T }> => message.type === type)[count - 1], `${type} #${count}`);
}
const noticeOf = async (panel: FakeWebviewPanel, count = 1) => (await postedOf(panel, 'notice', count)).message;

/** Opens the run's panel and waits for the snapshot and comparison its `ready` brings. */
async function openReady(panels: RunPanels, runId = MAIN): Promise<FakeWebviewPanel> {
  panels.open(runId);
  const panel = webviewPanels.at(-1);
  assert.ok(panel);
  panel.fromWebview({ type: 'ready' });
  await postedOf(panel, 'comparison');
  return panel;
}

beforeEach(resetFakeVscode);
afterEach(() => mock.timers.reset());

describe('opening a run’s panel', () => {
  test('one panel per run, titled after it, with the CSP page, the extension’s assets and icon; opening it again reveals it', async () => {
    const { panels } = await setUp();
    panels.open(MAIN);
    const [panel] = webviewPanels;
    assert.ok(panel);
    assert.deepEqual(
      [panel.viewType, panel.title, panel.column, panel.options],
      ['jointrain.run', 'digits · 20261129-100000', -1, { enableScripts: true, retainContextWhenHidden: false }],
    );
    const options = panel.webview.options as { enableScripts: boolean; enableCommandUris: boolean; localResourceRoots: FakeUri[] };
    assert.deepEqual(
      [options.enableScripts, options.enableCommandUris, options.localResourceRoots.map((uri) => uri.path)],
      [true, false, [`${EXTENSION}/dist`, `${EXTENSION}/media`]],
    );
    const html = panel.webview.html;
    const nonce = /<script nonce="([^"]+)" src="vscode-webview:\/ext\/jointrain\/dist\/webview\.js"><\/script>/.exec(html)?.[1];
    assert.equal(Buffer.from(nonce ?? '', 'base64').length, 32, 'a nonce of 32 random bytes');
    assert.ok(html.includes(`script-src &#39;nonce-${nonce}&#39;;`), 'the CSP allows the scripts of this nonce only');
    assert.match(html, /<link rel="stylesheet" href="vscode-webview:\/ext\/jointrain\/dist\/webview\.css"/);
    assert.match(html, /<link rel="stylesheet" href="vscode-webview:\/ext\/jointrain\/media\/panel\.css"/);
    assert.match(html, /<title>Run 20261129-100000-digits-aaaa<\/title>/);
    assert.equal((panel.iconPath as FakeUri).path, `${EXTENSION}/media/jointrain.svg`);

    panels.open(MAIN);
    assert.equal(webviewPanels.length, 1);
    assert.equal(panel.revealed, 1);
  });

  test('a run the store does not know gets a warning, not a panel', async () => {
    const { panels } = await setUp();
    panels.open('20261129-000000-gone-dddd');
    assert.equal(webviewPanels.length, 0);
    assert.deepEqual(shown, [{ kind: 'warning', message: 'jointrain: run 20261129-000000-gone-dddd was not found: refresh the Runs view.', modal: false }]);
  });

  test('a closed panel is forgotten, so the run opens in a new one; disposing the panels closes every one', async () => {
    const { panels } = await setUp();
    panels.open(MAIN);
    webviewPanels[0]?.dispose();
    panels.open(MAIN);
    panels.open(OTHER);
    assert.equal(webviewPanels.length, 3);
    panels.dispose();
    assert.deepEqual(
      webviewPanels.map((panel) => panel.disposed),
      [true, true, true],
    );
  });
});

describe('what a panel posts', () => {
  test('ready brings a snapshot of the run folder, then the runs of the experiment it can be compared with', async () => {
    const { panels } = await setUp();
    const panel = await openReady(panels);
    assert.deepEqual(types(panel), ['snapshot', 'comparison']);
    const snapshot = await postedOf(panel, 'snapshot');
    assert.deepEqual([snapshot.protocol, snapshot.seq, snapshot.run.runId, snapshot.run.status, snapshot.run.lastX], [2, 1, MAIN, 'running', 2]);
    assert.deepEqual(
      snapshot.run.curves.clean?.trainLoss?.map((point) => [point.x, point.y]),
      [
        [1, 0.9],
        [2, 0.8],
      ],
    );
    assert.equal(snapshot.run.mixing?.strategy, 'temperature', 'the mixing of the run’s experiment snapshot');
    const comparison = await postedOf(panel, 'comparison');
    assert.deepEqual(comparison, { type: 'comparison', seq: 2, candidates: [{ runId: OTHER, label: '2026-11-29 09:00 · completed' }] });
  });

  test('what the folder gains is sent as a delta, with the status the trainer announced; nothing new, nothing sent', async () => {
    const { panels, mainDir } = await setUp();
    mock.timers.enable({ apis: ['setTimeout'] });
    const panel = await openReady(panels);
    appendFileSync(join(mainDir, 'metrics.jsonl'), `${JSON.stringify(stepRecord(1, 3, 0.7))}\n`);
    panels.onTrainerMessage(MAIN, { type: 'status', status: 'paused' });
    panels.onTrainerMessage(MAIN, { type: 'status', status: 'paused' });
    mock.timers.tick(150);
    const delta = await postedOf(panel, 'delta');
    assert.deepEqual(delta, { type: 'delta', seq: 3, metrics: [stepRecord(1, 3, 0.7)], events: [], status: 'paused', epochs: { total: 4, completed: 0 } });

    // A step the folder does not hold yet, and the same status: no delta. The notice queued after it shows it was skipped.
    panels.onTrainerMessage(MAIN, { type: 'step' } as TrainerMessage);
    mock.timers.tick(150);
    panel.fromWebview({ type: 'compare', runId: MAIN, otherRunId: UNRELATED });
    await noticeOf(panel);
    assert.deepEqual(types(panel), ['snapshot', 'comparison', 'delta', 'notice']);
  });

  test('a hidden panel is sent nothing; shown and ready again, it gets the whole run in a new snapshot', async () => {
    const { panels, mainDir } = await setUp();
    mock.timers.enable({ apis: ['setTimeout'] });
    const panel = await openReady(panels);
    panel.setVisible(false);
    appendFileSync(join(mainDir, 'metrics.jsonl'), `${JSON.stringify(stepRecord(1, 3, 0.7))}\n`);
    panels.onTrainerMessage(MAIN, { type: 'status', status: 'running' });
    mock.timers.tick(150);
    panel.setVisible(true);
    // A notice queued while the panel is shown, and hidden before it is posted, is dropped.
    panel.fromWebview({ type: 'compare', runId: MAIN, otherRunId: UNRELATED });
    panel.setVisible(false);
    await new Promise(setImmediate);
    panel.setVisible(true);
    panels.onTrainerMessage(MAIN, { type: 'status', status: 'running' });
    mock.timers.tick(150);
    panel.fromWebview({ type: 'request-snapshot' });
    await postedOf(panel, 'comparison', 2);
    assert.equal((await postedOf(panel, 'snapshot', 2)).run.lastX, 3);
    assert.deepEqual(
      types(panel),
      ['snapshot', 'comparison', 'snapshot', 'comparison'],
      'no delta or notice while hidden, nor before the webview is ready again',
    );
  });

  test('a webview that did not take a message is sent no delta until it is ready again', async () => {
    const { panels, mainDir } = await setUp();
    mock.timers.enable({ apis: ['setTimeout'] });
    const panel = await openReady(panels);
    panel.deliver = false;
    panel.fromWebview({ type: 'compare', runId: MAIN, otherRunId: null });
    await until(() => panel.refused.length === 1);
    panel.deliver = true;
    appendFileSync(join(mainDir, 'metrics.jsonl'), `${JSON.stringify(stepRecord(1, 3, 0.7))}\n`);
    panels.onTrainerMessage(MAIN, { type: 'status', status: 'running' });
    mock.timers.tick(150);
    panel.fromWebview({ type: 'ready' });
    await postedOf(panel, 'comparison', 2);
    assert.deepEqual(types(panel), ['snapshot', 'comparison', 'snapshot', 'comparison']);
  });

  test('runs of the experiment that change on disk re-send the comparison, at most once a second; other runs do not', async () => {
    const { panels, store } = await setUp();
    mock.timers.enable({ apis: ['setTimeout'] });
    const panel = await openReady(panels);
    const other = store.get(OTHER);
    const unrelated = store.get(UNRELATED);
    assert.ok(other && unrelated);
    panels.onRunsChanged([unrelated]);
    mock.timers.tick(1000);
    panels.onRunsChanged([other]);
    panels.onRunsChanged([other]);
    mock.timers.tick(999);
    assert.equal(types(panel).length, 2);
    mock.timers.tick(1);
    await postedOf(panel, 'comparison', 2);
    panel.fromWebview({ type: 'compare', runId: MAIN, otherRunId: UNRELATED });
    await noticeOf(panel);
    assert.deepEqual(types(panel), ['snapshot', 'comparison', 'comparison', 'notice']);
  });
});

describe('what a panel does with the webview’s messages', () => {
  test('pause, resume, stop and weights reach the trainer of a live run; weights it would refuse get a notice', async () => {
    const { panels, trainers, log } = await setUp();
    const panel = await openReady(panels);
    panel.fromWebview({ type: 'pause', runId: MAIN });
    panel.fromWebview({ type: 'set-weights', runId: MAIN, requestId: 'panel-1', sampling: { clean: 2, noisy: 1 }, loss: { clean: 1, noisy: 1 } });
    panel.fromWebview({ type: 'reject-suggestion', runId: MAIN, suggestionId: 'dwa-3' });
    await until(() => trainers.sent.length === 3);
    assert.deepEqual(trainers.sent, [
      { runId: MAIN, command: { type: 'pause' } },
      { runId: MAIN, command: { type: 'set-weights', requestId: 'panel-1', sampling: { clean: 2, noisy: 1 }, loss: { clean: 1, noisy: 1 } } },
      { runId: MAIN, command: { type: 'reject-suggestion', suggestionId: 'dwa-3' } },
    ]);
    await until(() => log.lines.length === 3);
    assert.deepEqual(log.lines[0], { level: 'info', message: `run ${MAIN}: panel sent pause (through control.jsonl)` });

    panel.fromWebview({ type: 'set-weights', runId: MAIN, requestId: 'panel-2', sampling: { clean: 2, noisy: 1 }, loss: { clean: 1 } });
    assert.equal(await noticeOf(panel), 'Weight change not sent: noisy: loss weight must be a number');
    assert.equal(trainers.sent.length, 3);
  });

  test('an accepted suggestion’s augmentation reaches the trainer with the weights it proposes; augmentation for a dataset the run lacks is not sent', async () => {
    const { panels, trainers } = await setUp();
    const panel = await openReady(panels);
    panel.fromWebview({ type: 'set-weights', runId: MAIN, requestId: 'suggestion-3', sampling: { clean: 0.8, noisy: 1 }, augment: ['noisy'] });
    panel.fromWebview({ type: 'set-weights', runId: MAIN, requestId: 'suggestion-4', augment: ['noisy'] });
    await until(() => trainers.sent.length === 2);
    assert.deepEqual(trainers.sent, [
      { runId: MAIN, command: { type: 'set-weights', requestId: 'suggestion-3', sampling: { clean: 0.8, noisy: 1 }, augment: ['noisy'] } },
      { runId: MAIN, command: { type: 'set-weights', requestId: 'suggestion-4', augment: ['noisy'] } },
    ]);

    panel.fromWebview({ type: 'set-weights', runId: MAIN, requestId: 'suggestion-5', augment: ['ghost'] });
    assert.equal(await noticeOf(panel), "Weight change not sent: augmentation for unknown dataset 'ghost' (datasets: clean, noisy)");
    panel.fromWebview({ type: 'set-weights', runId: MAIN, requestId: 'panel-9' });
    assert.equal(await noticeOf(panel, 2), 'Weight change not sent: the change names no weights and no augmentation');
    assert.equal(trainers.sent.length, 2);
  });

  test('a command the trainer cannot be sent is said in the panel; on a run that is not live nothing is sent', async () => {
    const { panels, trainers } = await setUp();
    const panel = await openReady(panels);
    trainers.send = async () => {
      throw new Error('channel closed');
    };
    panel.fromWebview({ type: 'stop', runId: MAIN });
    assert.equal(await noticeOf(panel), 'Could not send stop to the trainer: channel closed');

    const finished = await openReady(panels, OTHER);
    finished.fromWebview({ type: 'resume', runId: OTHER });
    assert.equal(await noticeOf(finished), `Run ${OTHER} is not running: resume was not sent.`);
  });

  test('invalid messages and messages about another run are logged and ignored', async () => {
    const { panels, log, trainers } = await setUp();
    const panel = await openReady(panels);
    panel.fromWebview({ type: 'runShell', command: 'rm -rf /' });
    panel.fromWebview({ type: 'stop', runId: OTHER });
    await until(() => log.lines.length === 2);
    assert.equal(log.lines[0]?.level, 'warn');
    assert.match(log.lines[0]?.message ?? '', new RegExp(`^panel ${MAIN}: ignored an invalid message from the webview: `));
    assert.deepEqual(log.lines[1], { level: 'warn', message: `panel ${MAIN}: ignored stop for another run (${OTHER})` });
    assert.deepEqual(trainers.sent, []);
  });

  test('metrics export as CSV where the user saves them; a cancelled dialog writes nothing', async () => {
    const { panels, mainDir } = await setUp();
    const panel = await openReady(panels);
    const target = join(tempDir(), 'digits.csv');
    answers.saveDialog.push(undefined, fakeUri(target));
    panel.fromWebview({ type: 'export-csv', runId: MAIN });
    await until(() => dialogs.length === 1);
    panel.fromWebview({ type: 'export-csv', runId: MAIN });
    assert.equal(await noticeOf(panel), `Metrics exported to ${target}`);
    assert.equal(types(panel).filter((type) => type === 'notice').length, 1, 'the cancelled export said nothing');
    const options = dialogs[0]?.options as { defaultUri: FakeUri; filters: unknown; title: string };
    assert.deepEqual(
      [options.defaultUri.fsPath, options.filters, options.title],
      [join(mainDir, 'metrics.csv'), { CSV: ['csv'] }, `Export metrics of run ${MAIN}`],
    );
    const lines = readFileSync(target, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3, 'a header and a row per step and dataset');
    assert.match(lines[1] ?? '', /^step,1,1,1,clean,8,0\.9,0\.5,/);
  });

  test('charts export as the PNG the webview drew; anything that is not a PNG is refused before a dialog opens', async () => {
    const { panels, log } = await setUp();
    const panel = await openReady(panels);
    panel.fromWebview({ type: 'export-png', runId: MAIN, dataUrl: `data:image/png;base64,${Buffer.from('<svg onload=alert(1)>').toString('base64')}` });
    await until(() => log.lines.length === 1);
    assert.deepEqual(log.lines[0], { level: 'warn', message: `panel ${MAIN}: ignored a chart export that is not a PNG` });
    assert.equal(dialogs.length, 0);

    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR and the rest')]);
    const target = join(tempDir(), 'charts.png');
    answers.saveDialog.push(fakeUri(target));
    panel.fromWebview({ type: 'export-png', runId: MAIN, dataUrl: `data:image/png;base64,${png.toString('base64')}` });
    assert.equal(await noticeOf(panel), `Charts exported to ${target}`);
    assert.deepEqual(readFileSync(target), png);
    assert.deepEqual((dialogs[0]?.options as { filters: unknown }).filters, { PNG: ['png'] });

    answers.saveDialog.push(undefined);
    panel.fromWebview({ type: 'export-png', runId: MAIN, dataUrl: `data:image/png;base64,${png.toString('base64')}` });
    await until(() => dialogs.length === 2);
    assert.equal(existsSync(join(tempDir(), 'charts.png')), false);
  });

  test('compare draws another run of the experiment over this one; a run of another experiment is refused; null stops comparing', async () => {
    const { panels } = await setUp();
    const panel = await openReady(panels);
    panel.fromWebview({ type: 'compare', runId: MAIN, otherRunId: OTHER });
    const comparison = await postedOf(panel, 'comparison', 2);
    assert.equal(comparison.compared?.runId, OTHER);
    assert.deepEqual(
      comparison.compared?.curves.clean?.trainLoss?.map((point) => point.y),
      [0.5, 0.25],
    );
    panel.fromWebview({ type: 'compare', runId: MAIN, otherRunId: UNRELATED });
    assert.equal(await noticeOf(panel), `Run ${UNRELATED} is not another run of this experiment: nothing to compare with.`);
    panel.fromWebview({ type: 'compare', runId: MAIN, otherRunId: null });
    const stopped = await postedOf(panel, 'comparison', 3);
    assert.equal(stopped.compared, undefined);
    assert.equal(stopped.candidates.length, 1);
  });
});

describe('panels restored after a reload', () => {
  test('the serializer re-attaches a panel to the run its state names, with the run it compared', async () => {
    const { panels, log } = await setUp();
    registerRunPanels(panels);
    const serializer = serializers.get('jointrain.run');
    assert.ok(serializer);
    const restored = new FakeWebviewPanel('jointrain.run', 'old title', 1, {});
    await serializer.deserializeWebviewPanel(restored, { runId: MAIN, comparedRunId: OTHER });
    assert.equal(restored.title, 'digits · 20261129-100000');
    assert.equal(restored.disposed, false);
    assert.deepEqual(log.lines.at(-1), { level: 'info', message: `restored the panel of run ${MAIN}` });
    restored.fromWebview({ type: 'ready' });
    const comparison = await postedOf(restored, 'comparison');
    assert.equal(comparison.compared?.runId, OTHER);

    panels.open(MAIN);
    assert.equal(webviewPanels.length, 0, 'the restored panel is the run’s panel');
    assert.equal(restored.revealed, 1);
  });

  test('a restored panel of a run already shown, gone, or not named is closed', async () => {
    const { panels, log } = await setUp();
    panels.open(MAIN);
    const again = new FakeWebviewPanel('jointrain.run', 'x', 1, {});
    await panels.restore(again as unknown as vscode.WebviewPanel, { runId: MAIN });
    const gone = new FakeWebviewPanel('jointrain.run', 'x', 1, {});
    await panels.restore(gone as unknown as vscode.WebviewPanel, { runId: '20261129-000000-gone-dddd' });
    const unnamed = new FakeWebviewPanel('jointrain.run', 'x', 1, {});
    await panels.restore(unnamed as unknown as vscode.WebviewPanel, { smoothing: 0.5 });
    assert.deepEqual([again.disposed, gone.disposed, unnamed.disposed], [true, true, true]);
    assert.deepEqual(
      log.lines.map((line) => line.message),
      [
        `closed a restored panel: run ${MAIN} is gone or already shown`,
        'closed a restored panel: run 20261129-000000-gone-dddd is gone or already shown',
        'closed a restored panel: its saved state names no run',
      ],
    );
  });
});

describe('the notice when a run ends', () => {
  test('a run that completes is announced once, and Open panel opens it', async () => {
    const { panels, store } = await setUp();
    const notifier = new RunEndNotifier(store, panels);
    answers.information.push('Open panel');
    notifier.onTrainerMessage(MAIN, { type: 'status', status: 'completed' });
    notifier.onTrainerMessage(MAIN, { type: 'status', status: 'completed' });
    await until(() => webviewPanels.length === 1);
    assert.deepEqual(shown, [{ kind: 'information', message: `jointrain: digits (${MAIN}) finished training.`, modal: false }]);
    assert.equal(webviewPanels[0]?.title, 'digits · 20261129-100000');
  });

  test('a failure is an error with the run’s error; a running status or a step says nothing', async () => {
    const runsDir = tempDir();
    writeRun(runsDir, runRecord('r-failed', { status: 'failed', error: 'out of memory' }));
    const store = new RunStore([runsDir]);
    await store.refreshAll();
    const { panels } = await setUp();
    const notifier = new RunEndNotifier(store, panels);
    notifier.onTrainerMessage('r-failed', { type: 'status', status: 'running' });
    notifier.onTrainerMessage('r-failed', { type: 'step' } as TrainerMessage);
    assert.deepEqual(shown, []);
    notifier.onTrainerMessage('r-failed', { type: 'status', status: 'failed' });
    notifier.onTrainerMessage('r-unknown', { type: 'status', status: 'diverged' });
    assert.deepEqual(shown, [
      { kind: 'error', message: 'jointrain: digits (r-failed) failed: out of memory', modal: false },
      { kind: 'error', message: 'jointrain: r-unknown diverged.', modal: false },
    ]);
    await new Promise(setImmediate);
    assert.equal(webviewPanels.length, 0, 'dismissed: no panel');
  });

  test('a failure says why from the trainer’s failed event when run.json is not read yet, or holds an older error', async () => {
    const runsDir = tempDir();
    writeRun(runsDir, runRecord('r-running', { status: 'running' }));
    writeRun(runsDir, runRecord('r-stale', { status: 'failed', error: 'an earlier failure' }));
    const store = new RunStore([runsDir]);
    await store.refreshAll();
    const { panels } = await setUp();
    const notifier = new RunEndNotifier(store, panels);
    const failedEvent = (message: string): TrainerMessage => ({ type: 'event', kind: 'failed', message });
    notifier.onTrainerMessage(
      'r-running',
      failedEvent('digits.jointrain.yaml:40:11 datasets[2].path: dataset "inverted": 5 of 65 image files could not be decoded'),
    );
    notifier.onTrainerMessage('r-running', { type: 'status', status: 'failed' });
    notifier.onTrainerMessage('r-stale', failedEvent('loss is NaN'));
    notifier.onTrainerMessage('r-stale', { type: 'status', status: 'failed' });
    assert.deepEqual(
      shown.map((notice) => notice.message),
      [
        'jointrain: digits (r-running) failed: digits.jointrain.yaml:40:11 datasets[2].path: dataset "inverted": 5 of 65 image files could not be decoded',
        'jointrain: digits (r-stale) failed: loss is NaN',
      ],
    );
  });
});
