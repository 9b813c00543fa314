/**
 * `jointrain run`, `resume` and `example` in this process, on the tiny generated workspace (wasm
 * backend, a second or less per run): what they print on stdout and stderr, their exit codes,
 * what they leave in the run folder, and how a SIGINT and a control-file command reach a run.
 */
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { before, test } from 'node:test';
import type { RunRecord } from '../../../src/shared/runs/format';
import { experimentYaml, writeTinyWorkspace, type TinyWorkspace } from '../../fixtures/tinyWorkspace';
import { runCli, temporaryFolder } from './cli-support/captureCli';

let workspace: TinyWorkspace;

before(async () => {
  workspace = await writeTinyWorkspace(temporaryFolder(), { epochs: 2 });
});

const readRecord = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;

/** The lines of the `events:` block that follows the table and its per-class lines on stdout (its entries are indented), or undefined when there is none. */
function eventsBlock(stdout: string): string[] | undefined {
  const lines = stdout.split('\n');
  const start = lines.indexOf('events:');
  if (start === -1) return undefined;
  const perClass = lines.findIndex((line) => line.startsWith('per class (validation, epoch '));
  assert.match(lines[(perClass === -1 ? start : perClass) - 1] ?? '', /^└/, 'the per-class lines and the events follow the table');
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('  '));
  return lines.slice(start + 1, end);
}

/** The progress lines every run of the tiny workspace prints before its first epoch. */
const startLines = (runDir: string, cached = false) => [
  `run folder: ${runDir}`,
  'loaded big: 48 files',
  'loaded small: 12 files',
  'backend: wasm',
  // Tiny models stay on one thread (threadPlan.ts); a one-core machine has no more to say why not.
  ...(availableParallelism() > 1
    ? ["  one thread: a step's forward pass is under 0.1 million multiply-adds; below 10 million per thread, handing work to a thread costs more than it saves"]
    : []),
  `dataset big: 36 train / 12 validation → head side${cached ? ' (cached)' : ''}`,
  `dataset small: 8 train / 4 validation → head side${cached ? ' (cached)' : ''}`,
  'dataset table: 48 train / 12 validation → head kind',
  'dataset reg: 48 train / 12 validation → head value',
];

test('`run` prints its progress on stderr and the table, the events and the run folder on stdout; a weight change appended to control.jsonl is summarised old → new', async () => {
  const runsDir = join(workspace.dir, 'progress-runs');
  const { code, stdout, stderr } = await runCli(['run', workspace.experimentFile, '--runs-dir', runsDir], (text) => {
    // As soon as the run folder exists (before the first step), ask for new weights the way a user would.
    const created = /^run folder: (.*)\n$/.exec(text);
    if (created) appendFileSync(join(created[1] as string, 'control.jsonl'), '{"type":"set-weights","sampling":{"small":3},"loss":{"big":0.5}}\n');
  });
  assert.equal(code, 0, stderr);
  const [id] = readdirSync(runsDir);
  const runDir = join(runsDir, id as string);

  const progress = stderr.split('\n');
  const starting = startLines(runDir);
  assert.deepEqual(progress.slice(0, starting.length), starting);
  assert.deepEqual(progress.slice(starting.length, starting.length + 2), [
    'weight change requested at epoch 1 step 0: applies at the next epoch',
    'weights applied from epoch 1: sampling {"big":1,"small":3,"table":1,"reg":1}, loss {"big":0.5,"small":2,"table":1,"reg":1}',
  ]);
  assert.match(stderr, /^epoch 1 of 2 done: 6 steps, [\d,]+ samples\/s, val loss\/acc: big \d\.\d{3}\/\d+\.\d%, small \d\.\d{3}\/\d+\.\d%,\n {2}table /m);
  assert.match(stderr, /^epoch 2 of 2 done: 6 steps, /m);

  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines[1], '│dataset │n train/val │share→real  │loss % │seen× │tr loss │tr acc │val loss │val acc   │');
  // Configured shares follow the new sampling weights: small 3 of 6, the others 1 of 6 each.
  assert.match(stdout, /^│big {5}│36\/12 {7}│16\.7%→\d+\.\d% +│\d+\.\d% +│\d\.\d +│\d\.\d{3} +│\d+\.\d% +│\d\.\d{3} +│\d+\.\d% +│$/m);
  assert.match(stdout, /^│small {3}│8\/4 {9}│50\.0%→/m);
  assert.match(stdout, /^│reg {5}│48\/12 {7}│16\.7%→.*│— +│\d\.\d{3} +│mae \d\.\d{3} │$/m);
  // Each classification dataset's macro-F1 and its weakest classes by validation recall; none for the regression one.
  assert.match(
    stdout,
    /^per class \(validation, epoch 2\):\n {2}big: macro-F1 \d\.\d{3}; lowest recall: \S+ \d+\.\d% of \d+, \S+ \d+\.\d% of \d+\n {2}small: /m,
  );
  assert.doesNotMatch(stdout, /^ {2}reg: macro-F1/m);
  assert.deepEqual(eventsBlock(stdout), [
    '  epoch 1: Weight change asked from the command line before epoch 1: applies as it starts (small sampling 1 → 3, big loss 1 → 0.5)',
    '  epoch 1: Weights changed from epoch 1, asked from the command line (small sampling 1 → 3, big loss 1 → 0.5)',
    // With half of every batch and loss weight 2, small takes most of the loss: the balance warning proposes its fix.
    '  epoch 1: The balance diagnostics suggested loss weights after epoch 1: small takes 78% of the weighted loss — lower its loss weight 2.00 → 0.56. Expected: its share of the weighted loss 78% → about 50%, so the other datasets steer the shared layers too (small loss 2 → 0.561)',
  ]);
  assert.equal(lines.at(-1), `run completed: ${runDir}`);
  const record = readRecord(runDir);
  assert.equal(record.status, 'completed');
  assert.deepEqual(record.epochs, { total: 2, completed: 2 });
});

test('`run --json --quiet` prints one JSON line and nothing on stderr, and honours --run-id, --epochs, --set and --cache-dir', async () => {
  const runsDir = join(workspace.dir, 'json-runs');
  const cacheDir = join(workspace.dir, 'json-cache');
  const { code, stdout, stderr } = await runCli([
    'run',
    workspace.experimentFile,
    '--quiet',
    '--json',
    '--runs-dir',
    runsDir,
    '--cache-dir',
    cacheDir,
    '--run-id',
    'chosen-id',
    '--epochs',
    '1',
    '--set',
    'mixing.strategy=proportional',
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  assert.equal(stdout.split('\n').length, 2, 'one line, ended');
  const result = JSON.parse(stdout) as {
    runDir: string;
    status: string;
    lastEpoch: { kind: string; epoch: number; datasets: Record<string, { configuredShare: number }> };
  };
  const runDir = join(runsDir, 'chosen-id');
  assert.deepEqual([result.runDir, result.status, result.lastEpoch.kind, result.lastEpoch.epoch], [runDir, 'completed', 'epoch', 1]);
  // Proportional mixing: shares follow the training sizes 36, 8, 48, 48 (of 140).
  assert.ok(Math.abs((result.lastEpoch.datasets.big?.configuredShare ?? 0) - 36 / 140) < 1e-9);
  assert.match(readFileSync(join(runDir, 'experiment.jointrain.yaml'), 'utf8'), /strategy: proportional[\s\S]*epochs: 1/);
  assert.deepEqual(readRecord(runDir).epochs, { total: 1, completed: 1 });
  assert.ok(
    readdirSync(join(cacheDir, 'images')).some((file) => file.endsWith('.bin')),
    'decoded images in --cache-dir',
  );
});

test('a SIGINT stops a run after the epoch it is in (exit 0, `run stopped:`), with a notice; `resume` continues it from its checkpoint to the last epoch', async () => {
  const own = await writeTinyWorkspace(temporaryFolder(), { epochs: 3 });
  let signalled = false;
  const stopped = await runCli(['run', own.experimentFile, '--runs-dir', own.runsDir], (text) => {
    if (!signalled && text.startsWith('epoch 1 of 3 done')) {
      signalled = true;
      // What Ctrl-C does, without a real signal: the listeners the CLI registered on `process` are called.
      process.emit('SIGINT', 'SIGINT');
    }
  });
  assert.equal(stopped.code, 0, stopped.stderr);
  const runDir = join(own.runsDir, readdirSync(own.runsDir)[0] as string);
  const notice = 'SIGINT: stopping after this step (evaluate, checkpoint, save the model); send it again to exit now';
  const progress = stopped.stderr.trimEnd().split('\n');
  assert.ok(progress.includes(notice), stopped.stderr);
  assert.equal(progress.at(-1), 'stopped after epoch 1');
  assert.doesNotMatch(stopped.stderr, /epoch 2 of 3/);
  assert.deepEqual(eventsBlock(stopped.stdout), ['  epoch 1: Stopped after epoch 1']);
  assert.equal(stopped.stdout.trimEnd().split('\n').at(-1), `run stopped: ${runDir}`);
  assert.deepEqual([readRecord(runDir).status, readRecord(runDir).epochs], ['stopped', { total: 3, completed: 1 }]);

  const resumed = await runCli(['resume', runDir, '--quiet']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.stderr, '');
  assert.match(resumed.stdout, /^│table {3}│48\/12 {7}│25\.0%→/m);
  assert.deepEqual(eventsBlock(resumed.stdout), ['  epoch 1: Stopped after epoch 1']);
  assert.equal(resumed.stdout.trimEnd().split('\n').at(-1), `run completed: ${runDir}`);
  const record = readRecord(runDir);
  assert.deepEqual([record.status, record.epochs], ['completed', { total: 3, completed: 3 }]);
  assert.equal(record.resumes?.length, 1);
});

test('`resume --json` prints the run folder, status and last epoch as one JSON line; a signal stops a resumed run too, and the next resume finishes it', async () => {
  const own = await writeTinyWorkspace(temporaryFolder(), { epochs: 3 });
  /** Sends `signal` once, as the progress line of `epoch` of 3 is printed. */
  const signalAfter = (epoch: number, signal: NodeJS.Signals) => {
    let sent = false;
    return (text: string) => {
      if (!sent && text.startsWith(`epoch ${epoch} of 3 done`)) {
        sent = true;
        process.emit(signal, signal);
      }
    };
  };
  const first = await runCli(['run', own.experimentFile, '--runs-dir', own.runsDir, '--json'], signalAfter(1, 'SIGTERM'));
  assert.equal(first.code, 0, first.stderr);
  const { runDir, status } = JSON.parse(first.stdout) as { runDir: string; status: string };
  assert.equal(status, 'stopped');
  assert.match(first.stderr, /^SIGTERM: stopping after this step/m);

  const second = await runCli(['resume', runDir, '--json'], signalAfter(2, 'SIGINT'));
  assert.equal(second.code, 0, second.stderr);
  const stoppedAgain = JSON.parse(second.stdout) as { runDir: string; status: string; lastEpoch: { epoch: number } };
  assert.deepEqual([stoppedAgain.runDir, stoppedAgain.status, stoppedAgain.lastEpoch.epoch], [runDir, 'stopped', 2]);
  const starting = startLines(runDir, true);
  assert.deepEqual(second.stderr.split('\n').slice(0, starting.length), starting);
  assert.doesNotMatch(second.stderr, /^epoch 1 of 3/m, 'epoch 1 is not trained again');
  assert.match(
    second.stderr,
    /\nepoch 2 of 3 done: [^]*\nSIGINT: stopping after this step \(evaluate, checkpoint, save the model\); send it again to exit now\n[^]*stopped after epoch 2\n$/,
  );

  const third = await runCli(['resume', runDir, '--json', '--quiet']);
  assert.equal(third.code, 0, third.stderr);
  const result = JSON.parse(third.stdout) as { runDir: string; status: string; lastEpoch: { epoch: number } };
  assert.deepEqual([result.runDir, result.status, result.lastEpoch.epoch], [runDir, 'completed', 3]);
  assert.deepEqual(
    readRecord(runDir).resumes?.map((resume) => resume.checkpoint),
    ['epoch-0001', 'epoch-0002'],
  );
});

test('an experiment’s warnings and notes are printed before training (`warning:`, `note:`), and the run goes on', async () => {
  const sub = join(workspace.dir, 'experiments');
  mkdirSync(sub, { recursive: true });
  const file = join(sub, 'noted.jointrain.yaml');
  // Data read from outside the experiment's folder is a note; a temperature the uniform strategy ignores is a warning.
  writeFileSync(
    file,
    experimentYaml({ epochs: 1 })
      .replace(/path: data\//g, 'path: ../data/')
      .replace('strategy: uniform', 'strategy: uniform\n  temperature: 2'),
  );
  const { code, stdout, stderr } = await runCli(['run', file, '--runs-dir', join(workspace.dir, 'noted-runs')]);
  assert.equal(code, 0, stderr);
  const lines = stderr.split('\n');
  const line = experimentYaml().split('\n').indexOf('  strategy: uniform') + 2;
  // In the order of their places in the file: the datasets' paths, then mixing.
  assert.deepEqual(
    lines
      .slice(0, 4)
      .map((text) => /^note: .*noted\.jointrain\.yaml:\d+:\d+ datasets\[(\d)\]\.path: reads .*, outside the experiment's folder/.exec(text)?.[1]),
    ['0', '1', '2', '3'],
  );
  assert.equal(
    lines[4],
    `warning: ${file}:${line}:16 mixing.temperature: temperature is used only by the temperature strategy (strategy is "uniform"): remove it or set \`strategy: temperature\``,
  );
  assert.match(lines[5] ?? '', /^run folder: /);
  assert.match(stdout, /\nrun completed: /);
});

test('a run whose loss diverges exits 1 with the reason on stderr and no table; run.json says diverged', async () => {
  const runsDir = join(workspace.dir, 'diverged-runs');
  const { code, stdout, stderr } = await runCli([
    'run',
    workspace.experimentFile,
    '--quiet',
    '--runs-dir',
    runsDir,
    '--set',
    'training.optimizer.learning_rate=1000000',
  ]);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  // Either reason is a divergence: a loss that overflowed, or one the explosion guard stopped first
  // (the fused cross-entropy stays finite where a one-hot product gave 0 · −∞ = NaN).
  assert.match(
    stderr,
    /^error: the loss of dataset '(big|small|table|reg)' (became (NaN|Infinity) at epoch 1, step \d+: lower the learning rate \(now 1000000\) or check dataset '\1' for extreme values\.|exploded: smoothed, it reached [\d.e+]+ \(above 100, 100 times its starting level [\d.]+, for 5 steps in a row\) at epoch 1, step \d+: lower the learning rate \(now 1000000; try a tenth of it or less\)\.) .*\n$/,
  );
  assert.equal(readRecord(join(runsDir, readdirSync(runsDir)[0] as string)).status, 'diverged');
});

test('a file-system error during a run is one line with its path and the fix, not a stack; the run is recorded as failed', async () => {
  const root = temporaryFolder();
  writeFileSync(join(root, 'not-a-folder'), 'a file');
  const cacheDir = join(root, 'not-a-folder', 'cache');
  const { code, stdout, stderr } = await runCli(['run', workspace.experimentFile, '--quiet', '--runs-dir', join(root, 'runs'), '--cache-dir', cacheDir]);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.equal(stderr, `error: ${cacheDir}: a part of the path is a file, not a folder (ENOTDIR)\nhint: check the path, then run it again\n`);
  const [id] = readdirSync(join(root, 'runs'));
  const record = readRecord(join(root, 'runs', id as string));
  assert.equal(record.status, 'failed');
  assert.match(record.error ?? '', /ENOTDIR/);
});

test('an invalid experiment is refused before any run folder exists: each error at its place, then the count', async () => {
  const file = join(workspace.dir, 'typo.jointrain.yaml');
  writeFileSync(file, experimentYaml().replace('batch_size: 16', 'bach_size: 16').replace('strategy: uniform', 'strategy: sometimes'));
  const runsDir = join(workspace.dir, 'typo-runs');
  const { code, stdout, stderr } = await runCli(['run', file, '--runs-dir', runsDir]);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 3, stderr);
  assert.match(lines[0] ?? '', /typo\.jointrain\.yaml:\d+:\d+ mixing\.strategy: .*sometimes/);
  assert.match(lines[1] ?? '', /typo\.jointrain\.yaml:\d+:\d+ training.*bach_size.*batch_size/);
  assert.equal(lines[2], '2 errors: fix the experiment file and run again');
  assert.equal(existsSync(runsDir), false, 'no run folder for an experiment that cannot start');
});

test('`example` trains the bundled example on its data (generated if absent) and says what data it used', async () => {
  const runsDir = join(temporaryFolder(), 'runs');
  const { code, stdout, stderr } = await runCli([
    'example',
    '--runs-dir',
    runsDir,
    '--set',
    'training.epochs=1',
    '--set',
    'mixing.epoch_end={steps: 2}',
    '--set',
    'training.backend=wasm',
  ]);
  assert.equal(code, 0, stderr);
  // The sizes are wrapped to the terminal's width; unwrapped, they are one list.
  const said = stderr.slice(0, stderr.indexOf('\nrun folder: '));
  assert.ok(
    said.split('\n').every((line) => line.length <= 100),
    said,
  );
  assert.match(
    said.replace(/,\n {2}/g, ', '),
    /^example data (already present|generated in \d+ ms): digits-clean 3000, digits-scanned 300, digits-inverted 150, sensors 600$/,
  );
  assert.match(stderr, /^backend: wasm$/m);
  for (const name of ['clean', 'scanned', 'inverted', 'sensors']) assert.match(stdout, new RegExp(`^│${name} +│\\d[\\d,]*/\\d[\\d,]* +│`, 'm'));
  const runDir = join(runsDir, readdirSync(runsDir)[0] as string);
  assert.equal(stdout.trimEnd().split('\n').at(-1), `run completed: ${runDir}`);
  const record = readRecord(runDir);
  assert.deepEqual([record.experimentName, record.status, record.epochs.total], ['digits', 'completed', 1]);
});
