/**
 * Writes one run folder. run.json is replaced atomically (temp + rename) so readers never see a
 * torn record; metrics and events are JSON Lines appended whole, so a reader can always parse up
 * to the last complete line.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createRunId, isValidRunId, RUN_FILES, RUN_FORMAT_VERSION, type MetricRecord, type RunEvent, type RunRecord, type RunStatus } from '../../shared/runs/format';
import { UserError } from '../errors';
import { writeAtomically } from './modelFiles';

export interface NewRun {
  runsDir: string;
  /** The folder name, when the caller chose it (the extension does, before spawning); by default a new one. */
  id?: string;
  experimentPath: string;
  /** The snapshot: exactly what was validated (overrides included). */
  experimentText: string;
  experimentName: string;
  seed: number;
  totalEpochs: number;
  /** Called after run.json records a new status (paused, running again, ended). */
  onStatusChange?: (status: RunStatus) => void;
}

const LIVE: ReadonlySet<RunStatus> = new Set(['running', 'paused']);
const RUN_ENDING: ReadonlySet<string> = new Set(['failed', 'stopped', 'diverged', 'completed']);

export class RunFolder {
  private readonly metricsFd: number;
  private readonly eventsFd: number;
  private pendingMetrics: string[] = [];

  private constructor(
    readonly dir: string,
    public record: RunRecord,
    private readonly onStatusChange: ((status: RunStatus) => void) | undefined,
  ) {
    this.metricsFd = openSync(join(dir, RUN_FILES.metrics), 'a');
    this.eventsFd = openSync(join(dir, RUN_FILES.events), 'a');
    writeAtomically(join(dir, RUN_FILES.run), `${JSON.stringify(this.record, null, 2)}\n`);
    process.on('exit', this.recordInterruption);
  }

  static create(run: NewRun): RunFolder {
    const id = run.id ?? unusedRunId(run.runsDir, run.experimentName);
    const dir = join(run.runsDir, id);
    if (run.id !== undefined) claimFolder(dir, run.id);
    mkdirSync(join(dir, RUN_FILES.checkpoints), { recursive: true });
    writeAtomically(join(dir, RUN_FILES.experiment), run.experimentText);
    const record: RunRecord = {
      formatVersion: RUN_FORMAT_VERSION,
      id,
      experimentName: run.experimentName,
      experimentPath: run.experimentPath,
      status: 'running',
      pid: process.pid,
      seed: run.seed,
      epochs: { total: run.totalEpochs, completed: 0 },
      timings: { startedAt: new Date().toISOString() },
      datasets: [],
      heads: {},
    };
    return new RunFolder(dir, record, run.onStatusChange);
  }

  /**
   * Reopens a run to resume it from the checkpoint of `epoch`: what was written after it (steps of
   * the next epoch, a torn last line, events after the checkpoint) is dropped, so the resumed run
   * appends without gaps or duplicates. Both files are rewritten atomically.
   */
  static resume(dir: string, epoch: number, onStatusChange?: (status: RunStatus) => void): RunFolder {
    const recordFile = join(dir, RUN_FILES.run);
    if (!existsSync(recordFile)) throw new UserError(`${dir} is not a run folder (no ${RUN_FILES.run})`, 'pass the folder of a run, e.g. .jointrain/runs/<run-id>');
    const previous = JSON.parse(readFileSync(recordFile, 'utf8')) as RunRecord;
    truncateLines(join(dir, RUN_FILES.metrics), (lines) => lines.filter((line) => (parseLine(line)?.epoch ?? Infinity) <= epoch));
    truncateLines(join(dir, RUN_FILES.events), (lines) => {
      const parsed = lines.map(parseLine);
      let end = parsed.length - 1;
      while (end >= 0 && !(parsed[end]?.kind === 'checkpoint' && parsed[end]?.epoch === epoch)) end--;
      // Killed between writing the checkpoint and recording it: keep what came before the next epoch.
      if (end < 0) end = parsed.findIndex((event) => (event?.epoch ?? 0) > epoch || (event?.kind !== undefined && RUN_ENDING.has(event.kind))) - 1;
      if (end < -1) end = parsed.length - 1;
      return lines.slice(0, end + 1).filter((_, i) => parsed[i] !== undefined);
    });
    const record: RunRecord = {
      ...previous,
      status: 'running',
      pid: process.pid,
      epochs: { ...previous.epochs, completed: epoch },
      timings: { ...previous.timings },
    };
    // The previous trainer's error and channel describe a process that is gone.
    delete record.error;
    delete record.channel;
    delete record.timings.endedAt;
    return new RunFolder(dir, record, onStatusChange);
  }

  get id(): string {
    return basename(this.dir);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  update(change: Partial<RunRecord>): void {
    const previous = this.record.status;
    this.record = { ...this.record, ...change };
    writeAtomically(join(this.dir, RUN_FILES.run), `${JSON.stringify(this.record, null, 2)}\n`);
    if (this.record.status !== previous) this.onStatusChange?.(this.record.status);
  }

  /** Buffered: step records are written in groups and always by `flushMetrics` at epoch ends. */
  appendMetric(record: MetricRecord): void {
    this.pendingMetrics.push(JSON.stringify(record));
    if (record.kind === 'epoch' || this.pendingMetrics.length >= 100) this.flushMetrics();
  }

  flushMetrics(): void {
    if (this.pendingMetrics.length === 0) return;
    writeSync(this.metricsFd, `${this.pendingMetrics.join('\n')}\n`);
    this.pendingMetrics = [];
  }

  appendEvent(event: RunEvent): void {
    writeSync(this.eventsFd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    process.off('exit', this.recordInterruption);
    this.flushMetrics();
    closeSync(this.metricsFd);
    closeSync(this.eventsFd);
  }

  /**
   * The process is exiting with the run still live (a second Ctrl-C, `process.exit` elsewhere):
   * say so in the folder, or readers would see a `running` run forever. Only synchronous work
   * is possible here.
   */
  private readonly recordInterruption = (): void => {
    if (!LIVE.has(this.record.status)) return;
    const message = 'the trainer exited before the run finished (interrupted); the last checkpoint, if any, is in checkpoints/';
    this.flushMetrics();
    this.appendEvent({ kind: 'failed', time: new Date().toISOString(), message });
    this.update({ status: 'failed', error: message, timings: { ...this.record.timings, endedAt: new Date().toISOString() } });
  };
}

/** A JSON line's `kind` and `epoch`, or undefined for a line that is not a whole JSON object. */
function parseLine(line: string): { kind?: string; epoch?: number } | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? (value as { kind?: string; epoch?: number }) : undefined;
  } catch {
    return undefined;
  }
}

function truncateLines(file: string, keep: (lines: string[]) => string[]): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const kept = keep(lines);
  writeAtomically(file, kept.length ? `${kept.join('\n')}\n` : '');
}

function unusedRunId(runsDir: string, experimentName: string): string {
  let id = createRunId(experimentName);
  while (existsSync(join(runsDir, id))) id = createRunId(experimentName);
  return id;
}

/**
 * A chosen id may name a folder that exists already when the extension made it to hold the
 * trainer's log before spawning; anything else in it belongs to another run.
 */
function claimFolder(dir: string, id: string): void {
  if (!isValidRunId(id)) {
    throw new UserError(`invalid run id "${id}"`, 'use letters, digits, ".", "-" and "_" (at most 120 characters), starting with a letter or digit');
  }
  const entry = statSync(dir, { throwIfNoEntry: false });
  if (entry === undefined) return;
  const others = entry.isDirectory() ? readdirSync(dir).filter((name) => name !== RUN_FILES.trainerLog) : [basename(dir)];
  if (others.length > 0) {
    throw new UserError(`run folder already exists: ${dir} (it holds ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})`, 'choose another --run-id, or leave it out to get a new one');
  }
}
