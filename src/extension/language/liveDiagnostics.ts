/**
 * Problems of experiment files as they are typed, 300 ms after the last keystroke: the parse and
 * cross-field checks at once (pure and fast), then the checks that read the files the experiment
 * names (folders, CSV headers, a loaded model.json), read asynchronously and published only while
 * no newer edit has come. Both are the CLI's `validate` code, shared through src/shared/language.
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import type { ExperimentIssue } from '../../shared/experiment/issues';
import { dataIssues, editorIssues } from '../../shared/language/diagnostics';
import { LatestChecks } from '../../shared/language/latestChecks';
import { editorBoundary, type DataBoundary } from '../../shared/language/dataLocations';
import { toDiagnostics } from '../experimentValidation';
import type { ExtensionServices } from '../services';
import { localDataFiles } from '../../node/dataFiles';
import { readRunRecord } from '../../node/runRecord';
import { isRunSnapshotPath } from '../../shared/runs/format';
import { isExperimentDocument } from './experimentFiles';

const DEBOUNCE_MS = 300;
const RED_HAT_YAML = 'redhat.vscode-yaml';

export class LiveDiagnostics implements vscode.Disposable {
  /** Per document: what the data checks found in its text as of their last completed run. */
  private readonly fileIssues = new Map<string, ExperimentIssue[]>();
  private readonly checks: LatestChecks<{ document: vscode.TextDocument; issues: ExperimentIssue[] }>;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly services: Pick<ExtensionServices, 'diagnostics' | 'log'>) {
    this.checks = new LatestChecks(
      (key, { document, issues }) => {
        this.fileIssues.set(key, issues);
        this.publish(document);
      },
      (key, error) =>
        this.services.log.warn(`could not check the data of ${vscode.workspace.asRelativePath(vscode.Uri.parse(key))}: ${(error as Error).message}`),
    );
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((document) => this.check(document, 0)),
      vscode.workspace.onDidChangeTextDocument(({ document }) => this.check(document, DEBOUNCE_MS)),
      vscode.workspace.onDidSaveTextDocument((document) => this.check(document, 0)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document)),
    ];
    vscode.workspace.textDocuments.forEach((document) => this.check(document, 0));
  }

  dispose(): void {
    this.checks.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  /**
   * After `delayMs` without another change: the text's own problems, with the data problems found
   * last, then the data problems of this text once its files are read. A document that stopped
   * being an experiment (its modeline removed) loses its problems.
   */
  private check(document: vscode.TextDocument, delayMs: number): void {
    if (!isExperimentDocument(document)) {
      if (this.services.diagnostics.has(document.uri)) this.forget(document);
      return;
    }
    this.checks.request(document.uri.toString(), delayMs, async () => {
      const text = document.getText();
      this.publish(document, text);
      const issues =
        document.uri.scheme === 'file'
          ? await dataIssues(text, document.fileName, localDataFiles(await dataFolderOf(document.fileName)), dataBoundaryOf(document))
          : [];
      return { document, issues };
    });
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.checks.forget(key);
    this.fileIssues.delete(key);
    if (!isExperimentDocument(document) || isRunSnapshotPath(document.fileName)) this.services.diagnostics.delete(document.uri);
  }

  private publish(document: vscode.TextDocument, text = document.getText()): void {
    const issues = editorIssues(text, document.fileName, { schemaCheckedElsewhere: redHatYamlActive() });
    this.services.diagnostics.set(document.uri, toDiagnostics([...issues, ...(this.fileIssues.get(document.uri.toString()) ?? [])]));
  }
}

/**
 * The folder an experiment's data paths are relative to: its own, or — for the snapshot a run keeps
 * in its folder — the folder of the experiment file the run was started from, as the run read them.
 */
async function dataFolderOf(file: string): Promise<string> {
  if (!isRunSnapshotPath(file)) return dirname(file);
  const read = await readRunRecord(dirname(file));
  return read.kind === 'record' && read.record.experimentPath ? dirname(read.record.experimentPath) : dirname(file);
}

function dataBoundaryOf(document: vscode.TextDocument): DataBoundary {
  const folder = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath;
  return editorBoundary({
    ...(folder !== undefined ? { workspaceFolder: folder } : {}),
    experimentDir: dirname(document.fileName),
    trusted: vscode.workspace.isTrusted,
    ...(vscode.env.remoteName !== undefined ? { remoteName: vscode.env.remoteName } : {}),
  });
}

/** Red Hat's YAML extension reports syntax and schema problems itself, through the contributed `yamlValidation`. */
function redHatYamlActive(): boolean {
  return vscode.extensions.getExtension(RED_HAT_YAML)?.isActive ?? false;
}
