/**
 * Every run under the watched runs folders, kept current from disk. The folders outlive VS Code,
 * and runs started from the CLI land there too, so the store reads the disk rather than
 * remembering what this window launched. Free of `vscode` so it is unit-tested directly; every
 * read is asynchronous, so the extension host's thread never waits on the disk.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readRunSummary, type RunSummary } from './runSummary';

export type RunsListener = (changed: readonly RunSummary[]) => void;

export class RunStore {
  private readonly runs = new Map<string, RunSummary>();
  private readonly listeners = new Set<RunsListener>();
  /** Per run folder, the newest read started: an older read that finishes later answers with its result. */
  private readonly reads = new Map<string, { id: number; done: Promise<RunSummary | undefined> }>();
  private readCount = 0;
  private markLoaded: () => void = () => undefined;
  /**
   * Settles when the runs folders have been read once. What runs at activation before that — a
   * panel VS Code restores after a reload, a command asking which run — waits for it instead of
   * taking an empty store for "no runs".
   */
  readonly loaded = new Promise<void>((resolve) => (this.markLoaded = resolve));

  constructor(private runsDirs: readonly string[]) {}

  setRunsDirs(dirs: readonly string[]): Promise<void> {
    this.runsDirs = dirs;
    return this.refreshAll();
  }

  get dirs(): readonly string[] {
    return this.runsDirs;
  }

  onDidChange(listener: RunsListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  all(): RunSummary[] {
    return [...this.runs.values()];
  }

  get(runId: string): RunSummary | undefined {
    return [...this.runs.values()].find((run) => run.record.id === runId);
  }

  /** Re-reads every run folder; drops runs whose folders are gone. */
  async refreshAll(): Promise<void> {
    const dirs = (await Promise.all(this.runsDirs.map(runFolders))).flat();
    await Promise.all(dirs.map((dir) => this.read(dir)));
    const seen = new Set(dirs);
    for (const dir of [...this.runs.keys()]) if (!seen.has(dir)) this.runs.delete(dir);
    this.markLoaded();
    this.notify(this.all());
  }

  /** Re-reads one run folder (after a file in it changed); resolves with what it holds now. */
  async refreshRun(dir: string): Promise<RunSummary | undefined> {
    const summary = await this.read(dir);
    this.notify(summary ? [summary] : []);
    return summary;
  }

  private read(dir: string): Promise<RunSummary | undefined> {
    const id = ++this.readCount;
    const done = (async () => {
      const summary = await readRunSummary(dir);
      // Superseded: answer what the newest read finds, not the store's entry, which that read may not have set yet.
      const newest = this.reads.get(dir);
      if (newest !== undefined && newest.id !== id) return newest.done;
      if (summary) this.runs.set(dir, summary);
      else this.runs.delete(dir);
      return summary;
    })();
    this.reads.set(dir, { id, done });
    return done;
  }

  private notify(changed: readonly RunSummary[]): void {
    this.listeners.forEach((listener) => listener(changed));
  }
}

async function runFolders(runsDir: string): Promise<string[]> {
  const entries = await readdir(runsDir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => join(runsDir, entry.name));
}
