/**
 * One training panel: a webview showing one run. The host sends a snapshot when the webview says
 * it is ready (on load, and again after VS Code re-creates a hidden webview: the panel does not
 * retain its context) or asks for one, then deltas of what the run folder gained. Nothing is sent
 * while the panel is hidden. Every message from the webview is validated before it is obeyed.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canCompare, comparisonAffected, comparisonCandidates, type ComparedRun } from '../../shared/panel/comparison';
import { metricsCsv } from '../../shared/panel/metricsCsv';
import { trainerCommandFor, type PanelControlMessage } from '../../shared/panel/panelCommands';
import { PANEL_PROTOCOL_VERSION, parsePanelMessage, type HostToPanelMessage } from '../../shared/panel/protocol';
import { downsampleCurves, emptyRunView, foldRecords } from '../../shared/panel/runView';
import { parseMetrics } from '../../shared/runs/readRecords';
import { type RunRecord, isLiveStatus, RUN_FILES, type RunStatus } from '../../shared/runs/format';
import type { RunSummary } from '../runs/runSummary';
import type { ExtensionServices } from '../services';
import { ComparedRunReader } from './comparedRunReader';
import { createNonce, panelHtml } from './panelHtml';
import { readExperimentDefaults, RunFolderTail } from './runFolderTail';

/** Steps arrive many times a second; deltas are coalesced to at most one per interval. */
const DELTA_INTERVAL_MS = 150;
/** A compared run that is training changes its files constantly; its curves are re-sent at most this often. */
const COMPARISON_INTERVAL_MS = 1_000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export class RunPanel implements vscode.Disposable {
  private seq = 0;
  /** True between the webview's `ready` and the panel being hidden (which discards the webview's context). */
  private ready = false;
  private readonly tail: RunFolderTail;
  private work: Promise<void> = Promise.resolve();
  private deltaTimer: NodeJS.Timeout | undefined;
  private sentStatus: RunStatus | undefined;
  /** The trainer's `status` message can arrive before run.json is rewritten. */
  private statusHint: RunStatus | undefined;
  /** model/ and test results as last sent, so that their arrival (after training ends) is sent once. */
  private sentOutcome: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The run drawn over this one's curves; kept here so that a re-created webview gets it back. */
  private compared: ComparedRunReader | undefined;
  private comparisonTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly runId: string,
    private readonly dir: string,
    readonly panel: vscode.WebviewPanel,
    private readonly services: ExtensionServices,
    extensionUri: vscode.Uri,
    onDisposed: () => void,
    comparedRunId?: string,
  ) {
    this.tail = new RunFolderTail(dir);
    this.compared = this.comparedState(comparedRunId);
    const roots = [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: roots };
    const asset = (...path: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
    panel.webview.html = panelHtml(
      {
        cspSource: panel.webview.cspSource,
        nonce: createNonce(randomBytes),
        scriptUri: asset('dist', 'webview.js'),
        styleUris: [asset('dist', 'webview.css'), asset('media', 'panel.css')],
      },
      `Run ${runId}`,
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'jointrain.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((value: unknown) => void this.receive(value)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.dispose();
        onDisposed();
      }),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** The run folder or the trainer said something new: send a delta soon, if anyone is looking. */
  refresh(status?: RunStatus): void {
    if (status) this.statusHint = status;
    if (!this.ready || !this.panel.visible || this.deltaTimer) return;
    this.deltaTimer = setTimeout(() => {
      this.deltaTimer = undefined;
      this.enqueue(() => this.sendDelta());
    }, DELTA_INTERVAL_MS);
  }

  /**
   * Runs changed on disk: if one is the compared run, or another run of this experiment (the
   * candidates), send the comparison again soon, if anyone is looking.
   */
  onRunsChanged(changed: readonly RunSummary[]): void {
    const current = this.services.store.get(this.runId)?.record;
    const relevant =
      current !== undefined &&
      comparisonAffected(
        current,
        changed.map((run) => run.record),
      );
    if (!relevant || !this.ready || !this.panel.visible || this.comparisonTimer) return;
    this.comparisonTimer = setTimeout(() => {
      this.comparisonTimer = undefined;
      this.enqueue(() => this.sendComparison());
    }, COMPARISON_INTERVAL_MS);
  }

  dispose(): void {
    if (this.comparisonTimer) clearTimeout(this.comparisonTimer);
    if (this.deltaTimer) clearTimeout(this.deltaTimer);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => this.services.log.error(`panel ${this.runId}: ${(error as Error).message}`));
  }

  private async receive(value: unknown): Promise<void> {
    const parsed = parsePanelMessage(value);
    if (!parsed.ok) {
      this.services.log.warn(`panel ${this.runId}: ignored an invalid message from the webview: ${parsed.error}`);
      return;
    }
    const message = parsed.message;
    if (message.type === 'ready' || message.type === 'request-snapshot') {
      this.ready = true;
      this.enqueue(() => this.sendSnapshot());
      return;
    }
    if (message.runId !== this.runId) {
      this.services.log.warn(`panel ${this.runId}: ignored ${message.type} for another run (${message.runId})`);
      return;
    }
    if (message.type === 'compare') this.compare(message.otherRunId);
    else if (message.type === 'export-csv') await this.exportCsv();
    else if (message.type === 'export-png') await this.exportPng(message.dataUrl);
    else this.control(message);
  }

  private control(message: PanelControlMessage): void {
    const run = this.services.store.get(this.runId);
    if (run === undefined || !isLiveStatus(this.statusHint ?? run.record.status)) {
      this.notice(`Run ${this.runId} is not running: ${message.type} was not sent.`);
      return;
    }
    const result = trainerCommandFor(
      message,
      run.record.datasets.map((d) => ({ name: d.name, trainSize: d.train.size })),
    );
    if (!result.ok) {
      this.notice(result.problem);
      return;
    }
    this.services.trainers.send(this.runId, result.command).then(
      (route) =>
        this.services.log.info(`run ${this.runId}: panel sent ${result.command.type} (${route === 'channel' ? 'over the channel' : 'through control.jsonl'})`),
      (error: unknown) => this.notice(`Could not send ${result.command.type} to the trainer: ${(error as Error).message}`),
    );
  }

  private compare(otherRunId: string | null): void {
    const current = this.services.store.get(this.runId)?.record;
    const other = otherRunId === null ? undefined : this.services.store.get(otherRunId)?.record;
    if (otherRunId !== null && (current === undefined || other === undefined || !canCompare(current, other))) {
      this.notice(`Run ${otherRunId} is not another run of this experiment: nothing to compare with.`);
      return;
    }
    this.compared = this.comparedState(otherRunId ?? undefined);
    this.enqueue(() => this.sendComparison());
  }

  private comparedState(otherRunId: string | undefined): ComparedRunReader | undefined {
    const other = otherRunId === undefined ? undefined : this.services.store.get(otherRunId);
    return other === undefined ? undefined : new ComparedRunReader(other.record.id, other.dir);
  }

  private async readCompared(): Promise<ComparedRun | undefined> {
    const other = this.compared === undefined ? undefined : this.services.store.get(this.compared.runId);
    return other === undefined ? undefined : this.compared?.read(other.record);
  }

  private async sendComparison(): Promise<void> {
    const current = this.services.store.get(this.runId)?.record;
    if (current === undefined) return;
    const candidates = comparisonCandidates(
      current,
      this.services.store.all().map((run) => run.record),
    );
    const compared = await this.readCompared();
    await this.post({ type: 'comparison', seq: ++this.seq, candidates, ...(compared ? { compared } : {}) });
  }

  private async exportCsv(): Promise<void> {
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(this.dir, 'metrics.csv')),
      filters: { CSV: ['csv'] },
      title: `Export metrics of run ${this.runId}`,
    });
    if (target === undefined) return;
    const text = await readFile(join(this.dir, RUN_FILES.metrics), 'utf8').catch(() => '');
    await writeFile(target.fsPath, metricsCsv(parseMetrics(text)), 'utf8');
    this.notice(`Metrics exported to ${target.fsPath}`);
  }

  private async exportPng(dataUrl: string): Promise<void> {
    const png = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) {
      this.services.log.warn(`panel ${this.runId}: ignored a chart export that is not a PNG`);
      return;
    }
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(this.dir, 'charts.png')),
      filters: { PNG: ['png'] },
      title: `Export charts of run ${this.runId}`,
    });
    if (target === undefined) return;
    await writeFile(target.fsPath, png);
    this.notice(`Charts exported to ${target.fsPath}`);
  }

  private notice(message: string): void {
    this.enqueue(async () => this.post({ type: 'notice', seq: ++this.seq, message }));
  }

  private async sendSnapshot(): Promise<void> {
    const run = this.services.store.get(this.runId);
    if (run === undefined) return;
    this.tail.rewind();
    const view = emptyRunView(run.record, await readExperimentDefaults(this.dir));
    const { metrics, events } = await this.tail.readNew();
    foldRecords(view, metrics, events);
    downsampleCurves(view);
    if (this.statusHint && isLiveStatus(view.status)) view.status = this.statusHint;
    this.sentStatus = view.status;
    this.sentOutcome = outcomeKey(run.record);
    await this.post({ type: 'snapshot', protocol: PANEL_PROTOCOL_VERSION, seq: ++this.seq, run: view });
    await this.sendComparison();
  }

  private async sendDelta(): Promise<void> {
    if (!this.ready || !this.panel.visible) return;
    const { metrics, events } = await this.tail.readNew();
    const record = this.services.store.get(this.runId)?.record;
    const status = record && !isLiveStatus(record.status) ? record.status : (this.statusHint ?? record?.status);
    const outcome = record === undefined ? undefined : outcomeKey(record);
    if (metrics.length === 0 && events.length === 0 && status === this.sentStatus && outcome === this.sentOutcome) return;
    this.sentStatus = status;
    this.sentOutcome = outcome;
    await this.post({
      type: 'delta',
      seq: ++this.seq,
      metrics,
      events,
      ...(status ? { status } : {}),
      ...(record ? { epochs: record.epochs } : {}),
      ...(record?.model ? { model: record.model } : {}),
      ...(record?.test ? { test: record.test } : {}),
    });
  }

  private async post(message: HostToPanelMessage): Promise<void> {
    // A hidden panel's webview is discarded with its messages; it asks again with `ready` when shown.
    if (!this.panel.visible) {
      this.ready = false;
      return;
    }
    const delivered = await this.panel.webview.postMessage(message);
    if (!delivered) this.ready = false;
  }
}

/** What changes when a run saves its model and evaluates its test splits: sent to the panel once it does. */
function outcomeKey(record: RunRecord): string | undefined {
  return record.model ? JSON.stringify([record.model, record.test]) : undefined;
}
