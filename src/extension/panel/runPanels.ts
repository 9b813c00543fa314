/**
 * The training panels: at most one per run, opened by `jointrain.openRun`, fed by the trainer's
 * live messages and the run store, and restored after a window reload by a serializer.
 */
import * as vscode from 'vscode';
import { PanelUiStateSchema, RUN_PANEL_VIEW_TYPE } from '../../shared/panel/protocol';
import type { TrainerMessage } from '../../shared/protocol/trainerMessages';
import type { RunSummary } from '../runs/runSummary';
import type { ExtensionServices } from '../services';
import { RunPanel } from './runPanel';

export class RunPanels implements vscode.Disposable {
  private readonly panels = new Map<string, RunPanel>();

  constructor(
    private readonly services: ExtensionServices,
    private readonly extensionUri: vscode.Uri,
  ) {}

  /** Shows the run's panel, creating it if it is not open. */
  open(runId: string): void {
    const existing = this.panels.get(runId);
    if (existing) {
      existing.reveal();
      return;
    }
    const run = this.services.store.get(runId);
    if (run === undefined) {
      void vscode.window.showWarningMessage(`jointrain: run ${runId} was not found: refresh the Runs view.`);
      return;
    }
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, title(run), vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
    });
    this.adopt(run, panel);
  }

  /** Re-attaches a panel VS Code restored after a reload; its saved state names the run. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    await this.services.store.loaded;
    const parsed = PanelUiStateSchema.safeParse(state);
    const run = parsed.success ? this.services.store.get(parsed.data.runId) : undefined;
    if (run === undefined || this.panels.has(run.record.id)) {
      this.services.log.info(
        `closed a restored panel: ${parsed.success ? `run ${parsed.data.runId} is gone or already shown` : 'its saved state names no run'}`,
      );
      panel.dispose();
      return;
    }
    this.services.log.info(`restored the panel of run ${run.record.id}`);
    panel.title = title(run);
    this.adopt(run, panel, parsed.success ? (parsed.data.comparedRunId ?? undefined) : undefined);
  }

  onTrainerMessage(runId: string, message: TrainerMessage): void {
    this.panels.get(runId)?.refresh(message.type === 'status' ? message.status : undefined);
  }

  onRunsChanged(changed: readonly RunSummary[]): void {
    for (const run of changed) this.panels.get(run.record.id)?.refresh();
    for (const panel of this.panels.values()) panel.onRunsChanged(changed);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.panel.dispose();
    this.panels.clear();
  }

  private adopt(run: RunSummary, panel: vscode.WebviewPanel, comparedRunId?: string): void {
    const runId = run.record.id;
    this.panels.set(runId, new RunPanel(runId, run.dir, panel, this.services, this.extensionUri, () => this.panels.delete(runId), comparedRunId));
  }
}

function title(run: RunSummary): string {
  return `${run.record.experimentName} · ${run.record.id.slice(0, 15)}`;
}

export function registerRunPanels(panels: RunPanels): vscode.Disposable[] {
  return [
    panels,
    vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) => panels.restore(panel, state),
    }),
  ];
}
