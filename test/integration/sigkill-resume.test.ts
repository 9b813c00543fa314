/**
 * Fault injection: the trainer CLI is killed with SIGKILL at seeded random moments — mid-step,
 * while a checkpoint is being written, right after an event — and `jointrain resume` continues
 * each time. Every chain of kills must end with the final weights of an uninterrupted run and
 * metrics without gaps or duplicates. The kill points are chosen by what appears in the run
 * folder (lines in metrics.jsonl, a checkpoint's temporary folder, events), never by time.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { Random } from '../../src/shared/random';
import type { RunRecord } from '../../src/shared/runs/format';
import { parseMetrics } from '../../src/shared/runs/readRecords';
import { createTinyWorkspace, type TinyWorkspace } from '../fixtures/tinyWorkspace';

const CLI = resolve(__dirname, '..', '..', 'bin', 'jointrain.js');
const EPOCHS = 6;
const STEPS = 6;
/** Kills that must land; chains of run → kill → resume → kill … go on until they have. */
const KILLS = 24;
const KILLS_PER_CHAIN = 8;
const MAX_CHAINS = 8;
/** How often the run folder is looked at while waiting for a kill point. */
const POLL_MS = 3;

let workspace: TinyWorkspace;
let reference: Buffer;

before(async () => {
  assert.ok(existsSync(resolve(__dirname, '..', '..', 'dist', 'trainer.js')), 'build first: npm run build');
  workspace = await createTinyWorkspace({ epochs: EPOCHS, extraTraining: '  diagnostics: { every: 3 }\n  checkpoint: { keep_last: 2 }' });
  const result = spawnSync(process.execPath, [CLI, 'run', 'tiny.jointrain.yaml', '--quiet', '--run-id', 'reference'], { cwd: workspace.dir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  reference = readFileSync(join(workspace.runsDir, 'reference', 'model', 'weights.bin'));
});

type KillPoint = { kind: 'metrics-lines'; lines: number } | { kind: 'checkpoint-writing' } | { kind: 'events'; count: number };

function lineCount(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - 1;
}

/** Whether the kill point has been reached in the run folder. */
function reached(point: KillPoint, runDir: string, start: { metrics: number; events: number }): boolean {
  switch (point.kind) {
    case 'metrics-lines':
      return lineCount(join(runDir, 'metrics.jsonl')) >= start.metrics + point.lines;
    case 'events':
      return lineCount(join(runDir, 'events.jsonl')) >= start.events + point.count;
    case 'checkpoint-writing': {
      const dir = join(runDir, 'checkpoints');
      return existsSync(dir) && readdirSync(dir).some((name) => name.includes('.tmp-'));
    }
  }
}

function chooseKillPoint(random: Random): KillPoint {
  const roll = random.nextInt(10);
  if (roll < 6) return { kind: 'metrics-lines', lines: 1 + random.nextInt(14) };
  if (roll < 8) return { kind: 'checkpoint-writing' };
  return { kind: 'events', count: 1 + random.nextInt(3) };
}

/** Runs the child until it exits or the kill point is reached (then SIGKILLs it); says which. */
function runUntil(child: ChildProcess, point: KillPoint | undefined, runDir: string): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  const start = { metrics: lineCount(join(runDir, 'metrics.jsonl')), events: lineCount(join(runDir, 'events.jsonl')) };
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => {
    let killed = false;
    // The first process is armed only once a checkpoint exists: before that there is nothing to resume.
    const armed = () => existsSync(join(runDir, 'checkpoints', 'latest'));
    const watch = setInterval(() => {
      if (point && !killed && armed() && reached(point, runDir, start)) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, POLL_MS);
    child.on('exit', (code) => {
      clearInterval(watch);
      done({ killed, code, stderr });
    });
  });
}

function assertContinuous(runDir: string): void {
  const records = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'));
  assert.deepEqual(
    records.flatMap((r) => (r.kind === 'step' ? [r.globalStep] : [])),
    Array.from({ length: EPOCHS * STEPS }, (_, i) => i + 1),
    'every step once, in order',
  );
  assert.deepEqual(records.flatMap((r) => (r.kind === 'epoch' ? [r.epoch] : [])), Array.from({ length: EPOCHS }, (_, i) => i + 1));
}

test(`${KILLS} SIGKILLs at random points, each resumed: the final weights equal an uninterrupted run's`, { timeout: 600_000 }, async () => {
  const random = new Random(2026);
  const tally = { kills: 0, resumes: 0, completedBeforeKill: 0 };
  for (let chain = 0; tally.kills < KILLS; chain++) {
    assert.ok(chain < MAX_CHAINS, `only ${tally.kills} kills landed in ${MAX_CHAINS} chains`);
    const runId = `chain-${chain}`;
    const runDir = join(workspace.runsDir, runId);
    let args = ['run', 'tiny.jointrain.yaml', '--quiet', '--run-id', runId];
    for (let attempt = 0; ; attempt++) {
      const point = attempt < KILLS_PER_CHAIN && tally.kills < KILLS ? chooseKillPoint(random) : undefined;
      const child = spawn(process.execPath, [CLI, ...args], { cwd: workspace.dir, stdio: ['ignore', 'ignore', 'pipe'] });
      const outcome = await runUntil(child, point, runDir);
      if (!outcome.killed) {
        assert.equal(outcome.code, 0, `chain ${chain}, attempt ${attempt}: ${outcome.stderr}`);
        if (point) tally.completedBeforeKill++;
        break;
      }
      tally.kills++;
      args = ['resume', runDir, '--quiet'];
      tally.resumes++;
    }
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.status, 'completed');
    assert.ok(readFileSync(join(runDir, 'model', 'weights.bin')).equals(reference), `chain ${chain}: final weights equal the uninterrupted run's`);
    assertContinuous(runDir);
    assert.ok(statSync(join(runDir, 'checkpoints')).isDirectory());
  }
  console.log(`fault injection: ${tally.kills} SIGKILLs, ${tally.resumes} resumes, ${tally.completedBeforeKill} runs finished before their kill point; crashes after resume: 0`);
  assert.equal(tally.kills, KILLS);
});
