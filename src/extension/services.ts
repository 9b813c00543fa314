import type * as vscode from 'vscode';
import type { NodeRuntime } from './runs/nodeRuntime';
import type { RunManager } from './runs/runManager';
import type { RunStore } from './runs/runStore';

/** What the commands share, created once in `activate`. */
export interface ExtensionServices {
  store: RunStore;
  manager: RunManager;
  log: vscode.LogOutputChannel;
  diagnostics: vscode.DiagnosticCollection;
  /** `<extension>/dist/trainer.js`. */
  trainerScript: string;
  nodeRuntime: () => Promise<NodeRuntime>;
  /** Makes sure file events of this runs folder reach the store (it may lie outside the workspace). */
  watchRunsDir: (dir: string) => void;
  /** Reads a just-launched run as soon as its run.json exists and attaches to its channel. */
  /** Attach to a trainer just launched on `runDir` (with `pid`, once run.json is that process's). */
  followNewRun: (runDir: string, pid?: number) => void;
}
