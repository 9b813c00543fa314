/**
 * Every run under the watched runs folders, kept current from disk. The folders outlive VS Code,
 * and runs started from the CLI land there too, so the store reads the disk rather than
 * remembering what this window launched. Free of `vscode` so it is unit-tested directly.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRunSummary, type RunSummary } from './runSummary';

export type RunsListener = (changed: readonly RunSummary[]) => void;

export class RunStore {
  private readonly runs = new Map<string, RunSummary>();
  private readonly listeners = new Set<RunsListener>();

  constructor(private runsDirs: readonly string[]) {}

  setRunsDirs(dirs: readonly string[]): void {
    this.runsDirs = dirs;
    this.refreshAll();
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
  refreshAll(): void {
    const seen = new Set<string>();
    for (const runsDir of this.runsDirs) {
      if (!existsSync(runsDir)) continue;
      for (const entry of readdirSync(runsDir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const dir = join(runsDir, entry.name);
        seen.add(dir);
        this.read(dir);
      }
    }
    for (const dir of [...this.runs.keys()]) if (!seen.has(dir)) this.runs.delete(dir);
    this.notify(this.all());
  }

  /** Re-reads one run folder (after a file in it changed). */
  refreshRun(dir: string): void {
    const summary = this.read(dir);
    if (summary === undefined) this.runs.delete(dir);
    this.notify(summary ? [summary] : []);
  }

  private read(dir: string): RunSummary | undefined {
    const summary = readRunSummary(dir);
    if (summary) this.runs.set(dir, summary);
    return summary;
  }

  private notify(changed: readonly RunSummary[]): void {
    this.listeners.forEach((listener) => listener(changed));
  }
}
