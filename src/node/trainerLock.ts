import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './processLiveness';

/**
 * One trainer per run folder. Two trainers of one run (two `jointrain resume` at once) would both
 * truncate and append its files and both write its checkpoints. The lock is `<run>/trainer.lock`,
 * created whole or not at all: its content is written to a temporary file that is then hard-linked
 * to the lock's name, which fails when the name exists — so a reader never sees a half-written lock.
 */
export const TRAINER_LOCK = 'trainer.lock';

/** What the lock says about its holder. */
export interface TrainerLockHolder {
  pid: number;
  /** The holder's start time as the OS counts it (Linux: clock ticks since boot), when known. */
  processStart?: string;
  /** Unique to one acquisition: a lock is released only by whoever took it. */
  token: string;
  /** What the holder does: `run` trains a new run, `resume` continues one. */
  role: 'run' | 'resume';
  acquiredAt: string;
}

export type LockOutcome = { held: TrainerLock } | { heldBy: TrainerLockHolder };

export class TrainerLock {
  private constructor(
    readonly path: string,
    readonly holder: TrainerLockHolder,
  ) {}

  /**
   * Takes the lock of `runDir`, or says who holds it. A lock whose holder is gone — its pid not
   * running, or running a process that started at another time (the pid was reused) — is stale
   * and taken over.
   */
  static acquire(runDir: string, role: TrainerLockHolder['role']): LockOutcome {
    const path = join(runDir, TRAINER_LOCK);
    const holder: TrainerLockHolder = {
      pid: process.pid,
      ...startOf(process.pid),
      token: randomBytes(8).toString('hex'),
      role,
      acquiredAt: new Date().toISOString(),
    };
    for (;;) {
      if (createWhole(path, holder)) return { held: new TrainerLock(path, holder) };
      const current = readHolder(path);
      if (current === 'missing') continue;
      if (current !== 'unreadable' && holdsStill(current)) return { heldBy: current };
      removeStale(path, current === 'unreadable' ? undefined : current.token);
    }
  }

  /** The live trainer holding the lock of `runDir`, if any. */
  static holderOf(runDir: string): TrainerLockHolder | undefined {
    const current = readHolder(join(runDir, TRAINER_LOCK));
    return typeof current === 'object' && holdsStill(current) ? current : undefined;
  }

  /** Removes the lock if it is still this holder's. Synchronous: the owner also calls it while the process exits. */
  release(): void {
    const current = readHolder(this.path);
    if (typeof current === 'object' && current.token === this.holder.token) rmSync(this.path, { force: true });
  }
}

function createWhole(path: string, holder: TrainerLockHolder): boolean {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function readHolder(path: string): TrainerLockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<TrainerLockHolder>;
    return typeof value.pid === 'number' && typeof value.token === 'string' ? (value as TrainerLockHolder) : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** The holder runs still: its pid is alive and, where the OS tells, started when the lock says. */
function holdsStill(holder: TrainerLockHolder): boolean {
  if (!isProcessAlive(holder.pid)) return false;
  const now = startOf(holder.pid).processStart;
  return holder.processStart === undefined || now === undefined || now === holder.processStart;
}

/**
 * Moves a stale lock aside under a name of its own, then checks that what it moved is the lock it
 * judged stale: another process may have taken it over in between, and its fresh lock is put back.
 */
function removeStale(path: string, staleToken: string | undefined): void {
  // A temporary name (`.tmp-<pid>`), so that a resume removes it if this process dies holding it.
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}.tmp-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  const fresh = typeof moved === 'object' && moved.token !== staleToken;
  try {
    if (fresh) linkSync(aside, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * A process's start time, which tells a reused pid from the process that took the lock. Linux
 * gives it in /proc/<pid>/stat (field 22); elsewhere there is none and liveness alone decides.
 */
function startOf(pid: number): { processStart?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start === undefined ? {} : { processStart: start };
  } catch {
    return {};
  }
}
