/** A status bar item for the most recently active live run; hidden when none is live. */
import * as vscode from 'vscode';
import type { TrainerMessage } from '../../shared/protocol/trainerMessages';
import { isLiveStatus } from '../../shared/runs/format';
import type { RunStore } from '../runs/runStore';
import { statusLine, type StepMessage } from './statusLine';

/**
 * A fast model sends a step message every few milliseconds; the item is redrawn at most this often
 * for them (the last step always shows), so the window is not flooded with updates. Any other
 * message (a status change) redraws at once.
 */
export const STEP_RENDER_INTERVAL_MS = 250;

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('jointrain.run', vscode.StatusBarAlignment.Left, 50);
  private readonly lastSteps = new Map<string, StepMessage>();
  private focusedRun: string | undefined;
  private lastRender = Number.NEGATIVE_INFINITY;
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly store: RunStore) {
    this.item.name = 'jointrain run';
  }

  onMessage(runId: string, message: TrainerMessage): void {
    if (message.type === 'step') {
      this.lastSteps.set(runId, message);
      this.focusedRun = runId;
      this.renderSoon();
      return;
    }
    this.render();
  }

  private renderSoon(): void {
    if (this.pending !== undefined) return;
    const wait = this.lastRender + STEP_RENDER_INTERVAL_MS - Date.now();
    if (wait <= 0) this.render();
    else this.pending = setTimeout(() => this.render(), wait);
  }

  render(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.lastRender = Date.now();
    const live = this.store.all().filter((run) => isLiveStatus(run.record.status));
    const run = live.find((summary) => summary.record.id === this.focusedRun) ?? live.sort((a, b) => b.record.id.localeCompare(a.record.id))[0];
    if (run === undefined) {
      this.item.hide();
      return;
    }
    const line = statusLine(run.record.experimentName, run.record.status, this.lastSteps.get(run.record.id), run.record.epochs, run.record.backend);
    this.item.text = line.text;
    this.item.tooltip = line.tooltip;
    this.item.command = { command: 'jointrain.openRun', title: 'Open run', arguments: [run.record.id] };
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.pending);
    this.item.dispose();
  }
}
