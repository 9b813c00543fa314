import type * as vscode from 'vscode';
import type { RunStore } from './runs/runStore';
import type { NodeRuntime } from './trainers/nodeRuntime';
import type { TrainerSupervisor } from './trainers/trainerSupervisor';

/** What the commands share, created once in `activate`. */
export interface ExtensionServices {
  store: RunStore;
  trainers: TrainerSupervisor;
  log: vscode.LogOutputChannel;
  diagnostics: vscode.DiagnosticCollection;
  /** `<extension>/dist/trainer.js`. */
  trainerScript: string;
  nodeRuntime: () => Promise<NodeRuntime>;
  /** Makes sure file events of this runs folder reach the store (it may lie outside the workspace). */
  watchRunsDir: (dir: string) => void;
}
