/**
 * Fault injection: the trainer CLI is killed with SIGKILL at seeded random moments — mid-step,
 * while a checkpoint is being written, right after an event — and `jointrain resume` continues
 * each time. Every chain of kills must end with the final weights of an uninterrupted run and
 * metrics without gaps or duplicates. The kill points are chosen by what appears in the run
 * folder (lines in metrics.jsonl, a checkpoint's temporary folder, events, a resume's own
 * `resumed-from-checkpoint`), never by time, and only what the killed process itself wrote counts:
 * a point already reached when it starts (the temporary folder of an earlier kill) would kill it
 * before it had done anything.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { Random } from '../../src/shared/random';
import type { RunRecord } from '../../src/shared/runs/format';
import { parseEvents, parseMetrics } from '../../src/shared/runs/readRecords';
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

type KillPoint = { kind: 'metrics-lines'; lines: number } | { kind: 'checkpoint-writing' } | { kind: 'events'; count: number } | { kind: 'resuming' };

/** What the run folder held when a process started: its kill point is measured from there. */
interface FolderStart {
  metrics: number;
  events: number;
  resumeEvents: number;
  checkpointEntries: ReadonlySet<string>;
}

function lineCount(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - 1;
}

const checkpointEntries = (runDir: string): string[] => (existsSync(join(runDir, 'checkpoints')) ? readdirSync(join(runDir, 'checkpoints')) : []);

function resumeEvents(runDir: string): number {
  const file = join(runDir, 'events.jsonl');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"kind":"resumed-from-checkpoint"')).length
    : 0;
}

/** Whether the process has written run.json (both `run` and `resume` record their pid first). */
function wroteRunRecord(runDir: string, pid: number | undefined): boolean {
  try {
    return (JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord).pid === pid;
  } catch {
    return false;
  }
}

/** Whether the kill point has been reached in the run folder by the process started at `start`. */
function reached(point: KillPoint, runDir: string, start: FolderStart, pid: number | undefined): boolean {
  switch (point.kind) {
    case 'metrics-lines':
      return lineCount(join(runDir, 'metrics.jsonl')) >= start.metrics + point.lines;
    case 'events':
      return lineCount(join(runDir, 'events.jsonl')) >= start.events + point.count;
    case 'checkpoint-writing':
      // A new temporary entry: one of an earlier kill was there before this process started.
      return checkpointEntries(runDir).some((name) => name.includes('.tmp-') && !start.checkpointEntries.has(name));
    case 'resuming':
      // The resume has announced itself (earlier resumes' events stay) and is loading data or restoring the checkpoint.
      return wroteRunRecord(runDir, pid) && resumeEvents(runDir) > start.resumeEvents;
  }
}

function chooseKillPoint(random: Random, resuming: boolean): KillPoint {
  const roll = random.nextInt(10);
  if (roll < 5) return { kind: 'metrics-lines', lines: 1 + random.nextInt(14) };
  if (roll < 7) return { kind: 'checkpoint-writing' };
  if (roll < 9 || !resuming) return { kind: 'events', count: 1 + random.nextInt(3) };
  return { kind: 'resuming' };
}

interface Outcome {
  killed: boolean;
  /** Whether the killed process had written anything of its own: run.json with its pid. */
  killedAfterWriting: boolean;
  code: number | null;
  stderr: string;
}

/** Runs the child until it exits or the kill point is reached (then SIGKILLs it); says which. */
function runUntil(child: ChildProcess, point: KillPoint | undefined, runDir: string): Promise<Outcome> {
  const start: FolderStart = {
    metrics: lineCount(join(runDir, 'metrics.jsonl')),
    events: lineCount(join(runDir, 'events.jsonl')),
    resumeEvents: resumeEvents(runDir),
    checkpointEntries: new Set(checkpointEntries(runDir)),
  };
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => {
    let killed = false;
    let killedAfterWriting = false;
    // The first process is armed only once a checkpoint exists: before that there is nothing to resume.
    const armed = () => existsSync(join(runDir, 'checkpoints', 'latest'));
    const watch = setInterval(() => {
      if (point && !killed && armed() && reached(point, runDir, start, child.pid)) {
        killed = true;
        killedAfterWriting = wroteRunRecord(runDir, child.pid);
        child.kill('SIGKILL');
      }
    }, POLL_MS);
    child.on('exit', (code) => {
      clearInterval(watch);
      done({ killed, killedAfterWriting, code, stderr });
    });
  });
}

/** The event history of a chain: one start, at most one resume per kill, checkpoints in order, completed last. */
function assertEventHistory(runDir: string, kills: number): void {
  const events = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8'));
  const kinds = events.map((event) => event.kind);
  assert.equal(kinds.filter((kind) => kind === 'started').length, 1, 'one start');
  assert.equal(kinds[0], 'started');
  // Each resume records itself once, after it has selected its backend: a kill that lands while a
  // resume is starting (the resume-start kill point) leaves no event for that resume, so a chain has
  // at most one per kill, and at least the one of the resume that finished it.
  const resumes = kinds.filter((kind) => kind === 'resumed-from-checkpoint').length;
  const history = events.map((event) => `${event.kind}@${'epoch' in event ? event.epoch : ''}`).join(' ');
  assert.ok(kills === 0 ? resumes === 0 : resumes >= 1 && resumes <= kills, `${resumes} resume events for ${kills} kills: ${history}`);
  // Strictly increasing, not every epoch: a kill between writing a checkpoint and recording it leaves no event for it.
  const checkpoints = events.flatMap((event) => (event.kind === 'checkpoint' ? [event.epoch] : []));
  assert.ok(
    checkpoints.every((epoch, i) => i === 0 || epoch > (checkpoints[i - 1] ?? 0)),
    `checkpoints in order, each once: ${checkpoints.join(', ')}`,
  );
  // The last epoch's checkpoint is recorded, unless the last kill fell between writing it and
  // recording it: the chain's final resume then starts from it, trains nothing more, and says so.
  const lastResume = events.filter((event) => event.kind === 'resumed-from-checkpoint').at(-1);
  const resumedFromLast = lastResume?.kind === 'resumed-from-checkpoint' && lastResume.epoch === EPOCHS;
  assert.ok(checkpoints.at(-1) === EPOCHS || resumedFromLast, `the last checkpoint recorded is epoch ${EPOCHS}: ${history}`);
  assert.equal(kinds.at(-1), 'completed');
}

function assertContinuous(runDir: string): void {
  const records = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'));
  assert.deepEqual(
    records.flatMap((r) => (r.kind === 'step' ? [r.globalStep] : [])),
    Array.from({ length: EPOCHS * STEPS }, (_, i) => i + 1),
    'every step once, in order',
  );
  assert.deepEqual(
    records.flatMap((r) => (r.kind === 'epoch' ? [r.epoch] : [])),
    Array.from({ length: EPOCHS }, (_, i) => i + 1),
  );
}

test(`${KILLS} SIGKILLs at random points, each resumed: the final weights equal an uninterrupted run's`, { timeout: 600_000 }, async () => {
  const random = new Random(2026);
  const tally = { kills: 0, killsAfterWriting: 0, resumes: 0, completedBeforeKill: 0 };
  const points: string[] = [];
  for (let chain = 0; tally.kills < KILLS; chain++) {
    assert.ok(chain < MAX_CHAINS, `only ${tally.kills} kills landed in ${MAX_CHAINS} chains`);
    const runId = `chain-${chain}`;
    const runDir = join(workspace.runsDir, runId);
    let args = ['run', 'tiny.jointrain.yaml', '--quiet', '--run-id', runId];
    let chainKills = 0;
    for (let attempt = 0; ; attempt++) {
      const point = attempt < KILLS_PER_CHAIN && tally.kills < KILLS ? chooseKillPoint(random, attempt > 0) : undefined;
      const child = spawn(process.execPath, [CLI, ...args], { cwd: workspace.dir, stdio: ['ignore', 'ignore', 'pipe'] });
      const outcome = await runUntil(child, point, runDir);
      if (!outcome.killed) {
        assert.equal(outcome.code, 0, `chain ${chain}, attempt ${attempt}: ${outcome.stderr}`);
        if (point) tally.completedBeforeKill++;
        break;
      }
      tally.kills++;
      chainKills++;
      if (outcome.killedAfterWriting) tally.killsAfterWriting++;
      points.push(`${chain}.${attempt}:${point?.kind ?? 'none'}`);
      args = ['resume', runDir, '--quiet'];
      tally.resumes++;
    }
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.status, 'completed');
    assert.ok(readFileSync(join(runDir, 'model', 'weights.bin')).equals(reference), `chain ${chain}: final weights equal the uninterrupted run's`);
    assertContinuous(runDir);
    assertEventHistory(runDir, chainKills);
    assert.deepEqual(
      checkpointEntries(runDir).filter((name) => !/^epoch-\d{4}$/.test(name) && name !== 'latest'),
      [],
      'no temporaries are left in checkpoints/',
    );
    assert.equal(existsSync(join(runDir, 'trainer.lock')), false, 'the last trainer released the run');
  }
  console.log(
    `fault injection: ${tally.kills} SIGKILLs (${tally.killsAfterWriting} after the process had written its run record), ${tally.resumes} resumes, ${tally.completedBeforeKill} runs finished before their kill point; kill points: ${points.join(' ')}`,
  );
  assert.equal(tally.kills, KILLS);
  assert.equal(tally.killsAfterWriting, KILLS, 'every kill landed in a process that had started working');
  assert.ok(
    points.some((point) => point.endsWith(':resuming')),
    'some kills landed while a resume was starting',
  );
  assert.ok(
    points.some((point) => point.endsWith(':checkpoint-writing')),
    'some kills landed while a checkpoint was written',
  );
});

test('two resumes of one killed run at once: exactly one trains, the other is refused and names the first', { timeout: 300_000 }, async () => {
  const runDir = join(workspace.runsDir, 'twins');
  const first = spawn(process.execPath, [CLI, 'run', 'tiny.jointrain.yaml', '--quiet', '--run-id', 'twins'], {
    cwd: workspace.dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  assert.ok((await runUntil(first, { kind: 'metrics-lines', lines: 3 }, runDir)).killed, 'the run was killed after its first checkpoint');

  const resumers = [0, 1].map(() => spawn(process.execPath, [CLI, 'resume', runDir, '--quiet'], { cwd: workspace.dir, stdio: ['ignore', 'ignore', 'pipe'] }));
  const outcomes = await Promise.all(resumers.map((child) => runUntil(child, undefined, runDir)));
  const winners = outcomes.filter((outcome) => outcome.code === 0);
  const losers = outcomes.filter((outcome) => outcome.code !== 0);
  assert.equal(winners.length, 1, outcomes.map((outcome) => outcome.stderr).join('\n'));
  assert.equal(losers.length, 1);
  const winnerPid = resumers[outcomes.indexOf(winners[0] as Outcome)]?.pid;
  assert.match(
    losers[0]?.stderr ?? '',
    new RegExp(`error: run twins is being resumed by pid ${winnerPid} \\(since .*\\)\\nhint: wait for it to end, or stop it`),
  );
  assert.equal((JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord).status, 'completed');
  assert.ok(readFileSync(join(runDir, 'model', 'weights.bin')).equals(reference), 'the refused resume changed nothing');
  assertContinuous(runDir);
  assertEventHistory(runDir, 1);
});
