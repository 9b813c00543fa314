/**
 * What the newest run of each experiment found in its data, on the experiment file in the Problems
 * panel: a warning at each dataset's `path` it skipped files or rows of, and the error it failed on
 * at the field that error is about. In a collection of their own so the editor's checks do not
 * replace them; a newer run of the experiment replaces them.
 */
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { failedRunIssues } from '../../shared/runs/failedRunIssues';
import { skippedIssues } from '../../shared/runs/skippedIssues';
import { toDiagnostics } from '../experimentValidation';
import type { RunStore } from '../runs/runStore';
import type { RunSummary } from '../runs/runSummary';

export class RunDataDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('jointrain-data');
  /** What the warnings on screen were computed from: runs change far more often than their skips. */
  private shownFor: string | undefined;
  private generation = 0;

  constructor(private readonly store: RunStore) {}

  /** Recomputes when which runs skipped what, or failed on what, has changed since the last time. */
  async onRunsChanged(): Promise<void> {
    const runs = newestPerExperiment(this.store.all()).filter(
      ({ record }) => record.datasets.some((d) => d.skipped.count > 0) || (record.status === 'failed' && record.errorAt !== undefined),
    );
    const key = runs
      .map(
        ({ record }) =>
          `${record.id}:${record.datasets.map((d) => d.skipped.count).join(',')}:${record.status === 'failed' ? (record.errorAt?.message ?? '') : ''}`,
      )
      .join(';');
    if (key === this.shownFor) return;
    this.shownFor = key;
    const generation = ++this.generation;
    const computed = await Promise.all(runs.map(async (run) => ({ run, text: await readFile(run.record.experimentPath, 'utf8').catch(() => undefined) })));
    if (generation !== this.generation) return;
    this.collection.clear();
    for (const { run, text } of computed) {
      if (text !== undefined)
        this.collection.set(
          vscode.Uri.file(run.record.experimentPath),
          toDiagnostics([...failedRunIssues(text, run.record.experimentPath, run.record), ...skippedIssues(text, run.record.experimentPath, run.record)]),
        );
    }
  }

  dispose(): void {
    this.collection.dispose();
  }
}

function newestPerExperiment(runs: readonly RunSummary[]): RunSummary[] {
  const newest = new Map<string, RunSummary>();
  for (const run of runs) {
    const known = newest.get(run.record.experimentPath);
    if (known === undefined || run.record.timings.startedAt > known.record.timings.startedAt) newest.set(run.record.experimentPath, run);
  }
  return [...newest.values()];
}
