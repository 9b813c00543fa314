/**
 * Run folders on disk as a trainer leaves them, and the host's services with fakes where a test
 * needs to see what was sent or logged: what the host tests share.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunStore } from '../../../../src/extension/runs/runStore';
import type { ExtensionServices } from '../../../../src/extension/services';
import type { NodeRuntime } from '../../../../src/extension/trainers/nodeRuntime';
import type { LaunchRequest } from '../../../../src/extension/trainers/trainerLauncher';
import type { TrainerCommand } from '../../../../src/shared/protocol/trainerCommands';
import type { DatasetReport, MetricRecord, RunEvent, RunRecord } from '../../../../src/shared/runs/format';
import { FakeDiagnosticCollection, FakeLogChannel } from './fakeVscode';

const made: string[] = [];
/** A new folder under the OS temp folder (`jth-<label>…`: short, for socket paths), removed when this test file's process exits. */
export function tempDir(label = ''): string {
  const dir = mkdtempSync(join(tmpdir(), `jth-${label}`));
  made.push(dir);
  return dir;
}
process.on('exit', () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

export function runRecord(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    formatVersion: 1,
    id,
    experimentName: 'digits',
    experimentPath: '/ws/digits.jointrain.yaml',
    status: 'completed',
    pid: 999_999_999,
    seed: 1,
    epochs: { total: 4, completed: 4 },
    timings: { startedAt: '2026-11-29T10:00:00.000Z' },
    datasets: [],
    heads: {},
    ...overrides,
  };
}

export function datasetReport(name: string, overrides: Partial<DatasetReport> = {}): DatasetReport {
  return {
    name,
    type: 'images',
    head: 'digit',
    stem: 'image',
    task: 'classification',
    train: { size: 10, classes: {} },
    validation: { size: 2, classes: {} },
    skipped: { count: 0, byClass: {}, items: [] },
    sampleShape: [28, 28, 1],
    fromCache: false,
    ...overrides,
  };
}

export const stepRecord = (epoch: number, step: number, loss: number, dataset = 'clean'): MetricRecord => ({
  kind: 'step',
  epoch,
  step,
  globalStep: step,
  time: '',
  totalLoss: loss,
  datasets: { [dataset]: { samples: 8, loss, accuracy: 0.5 } },
});

export function writeRun(runsDir: string, run: RunRecord, metrics: MetricRecord[] = [], events: RunEvent[] = []): string {
  const dir = join(runsDir, run.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  if (events.length > 0) writeFileSync(join(dir, 'events.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return dir;
}

export interface FakeTrainers {
  sent: Array<{ runId: string; command: TrainerCommand }>;
  started: LaunchRequest[];
  /** What `send` does; by default it records and answers that the command went through control.jsonl. */
  send: (runId: string, command: TrainerCommand) => Promise<'channel' | 'control-file'>;
}

/** The services a command or panel uses, with a real store, a recording log and diagnostics, and trainers that only record. */
export function fakeServices(
  store: RunStore,
  options: { node?: NodeRuntime; trainerScript?: string; watched?: string[] } = {},
): { services: ExtensionServices; log: FakeLogChannel; diagnostics: FakeDiagnosticCollection; trainers: FakeTrainers; watched: string[] } {
  const log = new FakeLogChannel('jointrain', true);
  const diagnostics = new FakeDiagnosticCollection('jointrain');
  const watched = options.watched ?? [];
  const trainers: FakeTrainers = {
    sent: [],
    started: [],
    send: async (runId, command) => {
      trainers.sent.push({ runId, command });
      return 'control-file';
    },
  };
  const services = {
    store,
    log,
    diagnostics,
    trainers: {
      send: (runId: string, command: TrainerCommand) => trainers.send(runId, command),
      start: async (request: LaunchRequest) => {
        trainers.started.push(request);
        return { runId: 'started-run', runDir: join(request.runsDir, 'started-run'), pid: 4242, exited: new Promise<number | null>(() => undefined) };
      },
    },
    trainerScript: options.trainerScript ?? '/ext/dist/trainer.js',
    nodeRuntime: async () => options.node ?? { command: process.execPath, env: {} },
    watchRunsDir: (dir: string) => void watched.push(dir),
  } as unknown as ExtensionServices;
  return { services, log, diagnostics, trainers, watched };
}

/**
 * A stand-in for dist/trainer.js: a small Node script, run by the test's own Node exactly as the
 * host runs the trainer, that answers each command the way `body` says (it sees `command`, `args`
 * and `process`). It trains nothing.
 */
export function fakeTrainerScript(dir: string, body: string, name = 'fake-trainer.js'): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `'use strict';\nconst fs = require('node:fs');\nconst path = require('node:path');\nconst [command, ...args] = process.argv.slice(2);\n${body}\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

export interface ScriptedCall {
  command: string;
  args: string[];
  cwd: string;
}

/**
 * A fake trainer that answers its n-th run with `answers[n]` (the last one from then on) printed as
 * JSON, or, for `{ stderr, code }`, with that on stderr and that exit code; every run is recorded.
 */
export function scriptedTrainer(answers: unknown[]): { script: string; node: NodeRuntime; calls: () => ScriptedCall[] } {
  const dir = tempDir('fake-trainer-');
  const log = join(dir, 'calls.jsonl');
  const script = fakeTrainerScript(
    dir,
    `fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify({ command, args, cwd: process.cwd() }) + '\\n');
const count = fs.readFileSync(process.env.FAKE_LOG, 'utf8').trim().split('\\n').length;
const answers = JSON.parse(process.env.FAKE_ANSWERS);
const answer = answers[Math.min(count, answers.length) - 1];
if (answer && typeof answer.stderr === 'string') {
  process.stderr.write(answer.stderr);
  process.exitCode = answer.code;
} else process.stdout.write(JSON.stringify(answer));`,
  );
  const calls = () =>
    (existsSync(log) ? readFileSync(log, 'utf8') : '')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ScriptedCall);
  return { script, node: { command: process.execPath, env: { FAKE_LOG: log, FAKE_ANSWERS: JSON.stringify(answers) } }, calls };
}
