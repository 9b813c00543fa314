/**
 * Tells the user when a run this window follows ends on its own (completed, failed, diverged),
 * with **Open panel**. Each run is announced once per window: the trainer may repeat its final
 * status, and a run that diverges also fails. Why it failed comes from the trainer's `failed` or
 * `diverged` event, which precedes the status: the run store reads run.json asynchronously and may
 * not hold the error yet when the status arrives.
 */
import * as vscode from 'vscode';
import { runEndNotice } from '../../shared/panel/runEndNotice';
import type { TrainerMessage } from '../../shared/protocol/trainerMessages';
import type { RunStore } from '../runs/runStore';
import type { RunPanels } from './runPanels';

const OPEN_PANEL = 'Open panel';

export class RunEndNotifier {
  private readonly announced = new Set<string>();
  /** Per run, the words of its trainer's last `failed` or `diverged` event. */
  private readonly endWords = new Map<string, string>();

  constructor(
    private readonly store: RunStore,
    private readonly panels: RunPanels,
  ) {}

  onTrainerMessage(runId: string, message: TrainerMessage): void {
    if (message.type === 'event' && (message.kind === 'failed' || message.kind === 'diverged') && message.message) this.endWords.set(runId, message.message);
    if (message.type !== 'status' || this.announced.has(runId)) return;
    const record = this.store.get(runId)?.record;
    const error = this.endWords.get(runId) ?? record?.error;
    const notice = runEndNotice(message.status, { runId, experimentName: record?.experimentName, error });
    if (notice === undefined) return;
    this.announced.add(runId);
    const show = notice.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
    void show(notice.message, OPEN_PANEL).then((choice) => {
      if (choice === OPEN_PANEL) this.panels.open(runId);
    });
  }
}
