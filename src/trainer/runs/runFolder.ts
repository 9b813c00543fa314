/**
 * Writes one run folder. run.json is replaced atomically (temp + rename) so readers never see a
 * torn record; metrics and events are JSON Lines appended whole, so a reader can always parse up
 * to the last complete line.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  createRunId,
  isLiveStatus,
  isValidRunId,
  RUN_FILES,
  RUN_FORMAT_VERSION,
  type MetricRecord,
  type RunEvent,
  type RunRecord,
  type RunStatus,
} from '../../shared/runs/format';
import { UserError } from '../errors';
import { systemErrorMeaning } from '../systemErrors';
import { writeAtomically } from '../../node/atomicWrite';
import { makeDirectorySync } from '../../node/makeDirectory';
import { readRunRecordSync } from '../../node/runRecord';
import { removeStaleTemporaries } from '../../node/staleTemporaries';
import { TrainerLock, type TrainerLockHolder } from '../../node/trainerLock';

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
  io?: RunFolderIo;
}

const RUN_ENDING: ReadonlySet<string> = new Set(['failed', 'stopped', 'diverged', 'completed']);
/** Events after a checkpoint that a resume from it keeps: the trainers that stopped or resumed there. */
const KEPT_AFTER_CHECKPOINT: ReadonlySet<string> = new Set(['stopped', 'resumed-from-checkpoint']);

/**
 * How the folder's files are written; tests substitute it to inject failures (a full disk, a
 * folder made read-only) that root, who runs CI, would not get from the real file system.
 */
export interface RunFolderIo {
  /** Appends the whole text to an open file, or throws. */
  append(fd: number, text: string): void;
  /** Replaces a file whole (temporary name, flush, rename), or throws. */
  replace(path: string, text: string): void;
  /**
   * Overwrites an existing file in place with text no longer than it, padded with spaces to its
   * size: no new disk blocks are needed, so it works on a full disk. Throws if the text is longer.
   */
  overwrite(path: string, text: string): void;
}

export const fileIo: RunFolderIo = {
  append: (fd, text) => {
    const bytes = Buffer.from(text, 'utf8');
    for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
  },
  replace: (path, text) => writeAtomically(path, text),
  overwrite: (path, text) => {
    const fd = openSync(path, 'r+');
    try {
      const size = fstatSync(fd).size;
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length >= size) throw Object.assign(new Error(`${path}: the record no longer fits in place`), { code: 'ENOSPC' });
      // JSON allows trailing whitespace: the padding keeps the file's size and its blocks.
      const padded = Buffer.alloc(size, 0x20);
      bytes.copy(padded);
      padded[size - 1] = 0x0a;
      for (let written = 0; written < size;) written += writeSync(fd, padded, written, size - written, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
};

/** Errors that mean "the disk refuses for now" (full, read-only, no permission), not a bug. */
const WRITE_FAULTS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);

export function isWriteFault(error: unknown): boolean {
  return WRITE_FAULTS.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** A run folder's record, parsed and checked; a folder without one, or with a broken one, is a user error that says so. */
export function loadRunRecord(dir: string): RunRecord {
  const read = readRunRecordSync(dir);
  if (read.kind === 'missing')
    throw new UserError(`${dir} is not a run folder (no ${RUN_FILES.run})`, 'pass the folder of a run, e.g. .jointrain/runs/<run-id>');
  if (read.kind === 'invalid')
    throw new UserError(
      `${read.error}: not a run record jointrain can read`,
      `restore ${RUN_FILES.run} from a backup, or start the run again with \`jointrain run\``,
    );
  return read.record;
}

export class RunFolder {
  private readonly metricsFd: number;
  private readonly eventsFd: number;
  private pendingMetrics: string[] = [];
  private pendingEvents: string[] = [];
  private recordUnwritten = false;
  /** The status run.json says on disk, which may lag behind while the folder cannot be written. */
  private statusOnDisk: RunStatus;
  private failure: string | undefined;

  private constructor(
    readonly dir: string,
    public record: RunRecord,
    private readonly lock: TrainerLock,
    private readonly onStatusChange: ((status: RunStatus) => void) | undefined,
    private readonly io: RunFolderIo = fileIo,
  ) {
    this.metricsFd = openSync(join(dir, RUN_FILES.metrics), 'a');
    this.eventsFd = openSync(join(dir, RUN_FILES.events), 'a');
    writeAtomically(join(dir, RUN_FILES.run), `${JSON.stringify(this.record, null, 2)}\n`);
    this.statusOnDisk = this.record.status;
    process.on('exit', this.exitWhileOpen);
  }

  /**
   * Why the folder cannot be written, while it cannot: nothing is lost meanwhile (records wait in
   * memory, a torn append is cut back) and the loop pauses until `retryWrites` succeeds.
   */
  get writeFailure(): string | undefined {
    return this.failure;
  }

  /** Records a write fault met elsewhere (a checkpoint), so the loop pauses for it too. */
  noteWriteFailure(error: unknown): void {
    this.failure ??= describeFault(error, this.dir);
  }

  /** Writes what waited; true when everything is on disk again. */
  retryWrites(): boolean {
    this.failure = undefined;
    this.flushAll();
    return this.failure === undefined;
  }

  static create(run: NewRun): RunFolder {
    const id = run.id ?? unusedRunId(run.runsDir, run.experimentName);
    const dir = join(run.runsDir, id);
    if (run.id !== undefined) claimFolder(dir, run.id);
    try {
      makeDirectorySync(join(dir, RUN_FILES.checkpoints));
    } catch (error) {
      throw new UserError(`cannot create the run folder ${dir}: ${(error as Error).message}`, 'pass --runs-dir a folder you can write to');
    }
    const lock = lockRun(dir, id, 'run');
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
    return new RunFolder(dir, record, lock, run.onStatusChange, run.io);
  }

  /**
   * Reopens a run to resume it from the checkpoint of `epoch`: what was written after it (steps of
   * the next epoch, a torn last line, events after the checkpoint) is dropped, so the resumed run
   * appends without gaps or duplicates. Both files are rewritten atomically. The run's lock is
   * taken first (a second trainer of the run is refused), and the temporaries of killed writers
   * (`*.tmp-<pid>` of pids that no longer run) are removed.
   */
  static resume(dir: string, epoch: number, onStatusChange?: (status: RunStatus) => void, io?: RunFolderIo): RunFolder {
    const previous = loadRunRecord(dir);
    const lock = lockRun(dir, previous.id, 'resume');
    try {
      removeStaleTemporaries(dir);
      dropRecordsAfter(dir, epoch);
      return new RunFolder(dir, resumedRecord(previous, epoch), lock, onStatusChange, io);
    } catch (error) {
      lock.release();
      throw error;
    }
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
    this.recordUnwritten = true;
    this.flushRecord();
    if (this.recordUnwritten && this.record.status !== this.statusOnDisk) this.writeStatusInPlace();
    if (this.record.status !== previous) this.onStatusChange?.(this.record.status);
  }

  /**
   * The folder refuses new files (a full disk), yet the status must reach run.json, or a trainer
   * paused or ended by the disk would leave it saying `running`. The record is written compact over
   * the present file, in place, which needs no new blocks; the whole record is written again, as
   * usual, once writes work. On a read-only disk this fails too, and readers go by the pid.
   */
  private writeStatusInPlace(): void {
    try {
      this.io.overwrite(join(this.dir, RUN_FILES.run), JSON.stringify(this.record));
      this.statusOnDisk = this.record.status;
    } catch {
      // Nothing more can be done from here: the host and `resume` see the pid is gone.
    }
  }

  /** Buffered: step records are written in groups and always by `flushMetrics` at epoch ends. */
  appendMetric(record: MetricRecord): void {
    this.pendingMetrics.push(JSON.stringify(record));
    if (record.kind === 'epoch' || this.pendingMetrics.length >= 100) this.flushMetrics();
  }

  flushMetrics(): void {
    if (this.failure !== undefined || this.pendingMetrics.length === 0) return;
    if (this.appendWhole(this.metricsFd, this.pendingMetrics)) this.pendingMetrics = [];
  }

  appendEvent(event: RunEvent): void {
    this.pendingEvents.push(JSON.stringify(event));
    this.flushEvents();
  }

  close(): void {
    process.off('exit', this.exitWhileOpen);
    this.flushAll();
    closeSync(this.metricsFd);
    closeSync(this.eventsFd);
    this.lock.release();
  }

  private flushAll(): void {
    this.flushRecord();
    this.flushEvents();
    this.flushMetrics();
  }

  private flushEvents(): void {
    if (this.failure !== undefined || this.pendingEvents.length === 0) return;
    if (this.appendWhole(this.eventsFd, this.pendingEvents)) this.pendingEvents = [];
  }

  private flushRecord(): void {
    if (this.failure !== undefined || !this.recordUnwritten) return;
    try {
      this.io.replace(join(this.dir, RUN_FILES.run), `${JSON.stringify(this.record, null, 2)}\n`);
      this.recordUnwritten = false;
      this.statusOnDisk = this.record.status;
    } catch (error) {
      if (!isWriteFault(error)) throw error;
      this.failure = describeFault(error, this.dir);
    }
  }

  /** Appends whole lines or nothing: a write cut short by a full disk is truncated back. */
  private appendWhole(fd: number, lines: readonly string[]): boolean {
    const size = fstatSync(fd).size;
    try {
      this.io.append(fd, `${lines.join('\n')}\n`);
      return true;
    } catch (error) {
      if (!isWriteFault(error)) throw error;
      this.failure = describeFault(error, this.dir);
      try {
        ftruncateSync(fd, size);
      } catch {
        // A reader copes with a torn last line; the next successful append starts a new one.
      }
      return false;
    }
  }

  /**
   * The process is exiting with the run still live (a second Ctrl-C, `process.exit` elsewhere):
   * say so in the folder, or readers would see a `running` run forever. Only synchronous work
   * is possible here.
   */
  private readonly exitWhileOpen = (): void => {
    this.recordInterruption();
    // Last: the next trainer of this run may start only once the record says how this one ended.
    this.lock.release();
  };

  private recordInterruption(): void {
    if (!isLiveStatus(this.record.status)) return;
    const message = 'the trainer exited before the run finished (interrupted); the last checkpoint, if any, is in checkpoints/';
    this.flushMetrics();
    this.appendEvent({ kind: 'failed', time: new Date().toISOString(), message });
    this.update({ status: 'failed', error: message, timings: { ...this.record.timings, endedAt: new Date().toISOString() } });
  }
}

/** The record of a resumed run: running again, by this process, from the checkpoint's epoch. */
function resumedRecord(previous: RunRecord, epoch: number): RunRecord {
  const record: RunRecord = {
    ...previous,
    status: 'running',
    pid: process.pid,
    epochs: { ...previous.epochs, completed: epoch },
    timings: { ...previous.timings },
  };
  // The previous trainer's error and channel describe a process that is gone.
  delete record.error;
  delete record.errorAt;
  delete record.channel;
  delete record.timings.endedAt;
  return record;
}

/**
 * Drops from metrics.jsonl and events.jsonl what a run wrote after its checkpoint of `epoch`:
 * the steps and epochs after it, torn lines, and the events after that checkpoint's `checkpoint`
 * event — except what ended or restarted a trainer at that checkpoint (`stopped`, and the
 * `resumed-from-checkpoint` of earlier resumes of it), which happened and stays in the history.
 */
export function dropRecordsAfter(dir: string, epoch: number): void {
  truncateLines(join(dir, RUN_FILES.metrics), (lines) => lines.filter((line) => (parseLine(line)?.epoch ?? Infinity) <= epoch));
  truncateLines(join(dir, RUN_FILES.events), (lines) => {
    const parsed = lines.map(parseLine);
    let end = parsed.length - 1;
    while (end >= 0 && !(parsed[end]?.kind === 'checkpoint' && parsed[end]?.epoch === epoch)) end--;
    // Killed between writing the checkpoint and recording it: keep what came before the next epoch.
    if (end < 0) end = parsed.findIndex((event) => (event?.epoch ?? 0) > epoch || (event?.kind !== undefined && RUN_ENDING.has(event.kind))) - 1;
    if (end < -1) end = parsed.length - 1;
    const lifecycle = (i: number) => KEPT_AFTER_CHECKPOINT.has(parsed[i]?.kind ?? '') && (parsed[i]?.epoch ?? Infinity) <= epoch;
    return lines.filter((_, i) => parsed[i] !== undefined && (i <= end || lifecycle(i)));
  });
}

/** Takes the run's trainer lock, or refuses with who holds it and what to do. */
function lockRun(dir: string, id: string, role: TrainerLockHolder['role']): TrainerLock {
  const outcome = TrainerLock.acquire(dir, role);
  if ('held' in outcome) return outcome.held;
  throw lockRefusal(id, dir, outcome.heldBy);
}

/** Why a second trainer of a run may not start. */
export function lockRefusal(id: string, dir: string, holder: TrainerLockHolder): UserError {
  return new UserError(
    `run ${id} is being ${holder.role === 'resume' ? 'resumed' : 'trained'} by pid ${holder.pid} (since ${holder.acquiredAt})`,
    `wait for it to end, or stop it (echo '{"type":"stop"}' >> ${join(dir, RUN_FILES.control)}) and resume it again; a lock left by a trainer that died is taken over by the next resume`,
  );
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

function describeFault(error: unknown, dir: string): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return `cannot write to ${dir}: ${systemErrorMeaning(error) ?? 'an I/O error'} (${code ?? message})`;
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
    throw new UserError(
      `run folder already exists: ${dir} (it holds ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})`,
      'choose another --run-id, or leave it out to get a new one',
    );
  }
}
