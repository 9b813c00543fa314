/**
 * Problems of experiment files as they are typed: the parse and cross-field checks run in the host
 * on every change (debounced; pure and fast), while the checks that read the data folders run in
 * the trainer's `validate --json` on open and save — one implementation of each check, shared with
 * the CLI, and no filesystem scanning in the host.
 */
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { editorIssues } from '../../shared/language/diagnostics';
import { runValidate, toDiagnostics, type ValidationIssue } from '../experimentValidation';
import type { ExtensionServices } from '../services';
import { isExperimentDocument } from './experimentFiles';

const DEBOUNCE_MS = 300;
const RED_HAT_YAML = 'redhat.vscode-yaml';

export class LiveDiagnostics implements vscode.Disposable {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Per document: the issues only `validate` finds (missing folders, CSV columns), as of the last save. */
  private readonly fileIssues = new Map<string, ValidationIssue[]>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly services: Pick<ExtensionServices, 'diagnostics' | 'nodeRuntime' | 'trainerScript' | 'log'>) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((document) => this.opened(document)),
      vscode.workspace.onDidChangeTextDocument(({ document }) => this.schedule(document)),
      vscode.workspace.onDidSaveTextDocument((document) => void this.checkFiles(document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.closed(document)),
    ];
    vscode.workspace.textDocuments.forEach((document) => this.opened(document));
  }

  dispose(): void {
    this.pending.forEach((timer) => clearTimeout(timer));
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private opened(document: vscode.TextDocument): void {
    if (!isExperimentDocument(document)) return;
    this.publish(document);
    void this.checkFiles(document);
  }

  private closed(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.fileIssues.delete(key);
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isExperimentDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      this.publish(document);
    }, DEBOUNCE_MS));
  }

  private publish(document: vscode.TextDocument): void {
    const issues = editorIssues(document.getText(), document.fileName, { schemaCheckedElsewhere: redHatYamlActive() });
    this.services.diagnostics.set(document.uri, toDiagnostics([...issues, ...(this.fileIssues.get(document.uri.toString()) ?? [])]));
  }

  /** Runs the trainer's `validate` (trusted workspaces only: it starts a process) and keeps what the editor cannot see. */
  private async checkFiles(document: vscode.TextDocument): Promise<void> {
    if (!isExperimentDocument(document) || document.uri.scheme !== 'file' || !vscode.workspace.isTrusted) return;
    try {
      const node = await this.services.nodeRuntime();
      const issues = await runValidate(node, this.services.trainerScript, document.fileName, dirname(document.fileName));
      const seen = new Set(editorIssues(document.getText(), document.fileName, { schemaCheckedElsewhere: false }).map(issueKey));
      this.fileIssues.set(document.uri.toString(), issues.filter((issue) => !seen.has(issueKey(issue))));
      this.publish(document);
    } catch (error) {
      this.services.log.warn(`could not check the data of ${vscode.workspace.asRelativePath(document.uri)}: ${(error as Error).message}`);
    }
  }
}

function issueKey(issue: ValidationIssue): string {
  return `${issue.line}:${issue.column}:${issue.message}`;
}

/** Red Hat's YAML extension reports syntax and schema problems itself, through the contributed `yamlValidation`. */
function redHatYamlActive(): boolean {
  return vscode.extensions.getExtension(RED_HAT_YAML)?.isActive ?? false;
}
