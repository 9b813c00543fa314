/** A status bar item for the most recently active live run; hidden when none is live. */
import * as vscode from 'vscode';
import type { TrainerMessage } from '../../shared/protocol/trainerMessages';
import { isLiveStatus } from '../../shared/runs/format';
import type { RunStore } from '../runs/runStore';
import { statusLine, type StepMessage } from './statusLine';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('jointrain.run', vscode.StatusBarAlignment.Left, 50);
  private readonly lastSteps = new Map<string, StepMessage>();
  private focusedRun: string | undefined;

  constructor(private readonly store: RunStore) {
    this.item.name = 'jointrain run';
  }

  onMessage(runId: string, message: TrainerMessage): void {
    if (message.type === 'step') {
      this.lastSteps.set(runId, message);
      this.focusedRun = runId;
    }
    this.render();
  }

  render(): void {
    const live = this.store.all().filter((run) => isLiveStatus(run.record.status));
    const run = live.find((summary) => summary.record.id === this.focusedRun) ?? live.sort((a, b) => b.record.id.localeCompare(a.record.id))[0];
    if (run === undefined) {
      this.item.hide();
      return;
    }
    const line = statusLine(run.record.experimentName, run.record.status, this.lastSteps.get(run.record.id), run.record.epochs);
    this.item.text = line.text;
    this.item.tooltip = line.tooltip;
    this.item.command = { command: 'jointrain.openRun', title: 'Open run', arguments: [run.record.id] };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
