/**
 * Files and rows the newest run of each experiment skipped, as warnings on the experiment file in
 * the Problems panel (at each dataset's `path`), in a collection of their own so the editor's
 * checks do not replace them.
 */
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { skippedIssues } from '../../shared/runs/skippedIssues';
import { toDiagnostics } from '../experimentValidation';
import type { RunStore } from './runStore';
import type { RunSummary } from './runSummary';

export class SkippedDataDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('jointrain-data');

  constructor(private readonly store: RunStore) {}

  /** Recomputes when a changed run reports skipped data (or when asked with no runs named). */
  onRunsChanged(changed?: readonly RunSummary[]): void {
    if (changed !== undefined && !changed.some((run) => run.record.datasets.some((d) => d.skipped.count > 0))) return;
    this.collection.clear();
    for (const run of newestPerExperiment(this.store.all())) {
      if (!run.record.datasets.some((d) => d.skipped.count > 0)) continue;
      let text: string;
      try {
        text = readFileSync(run.record.experimentPath, 'utf8');
      } catch {
        continue;
      }
      this.collection.set(vscode.Uri.file(run.record.experimentPath), toDiagnostics(skippedIssues(text, run.record.experimentPath, run.record)));
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
