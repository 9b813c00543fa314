/**
 * The VS Code host. For now "Start joint training" runs the headless trainer in an integrated
 * terminal on the active experiment file (or one picked from the workspace); the managed trainer
 * process, runs view and panel replace this in later steps.
 */
import * as vscode from 'vscode';

const EXPERIMENT_GLOB = '**/*.jointrain.yaml';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('jointrain.startTraining', (uri?: vscode.Uri) => startTraining(context, uri)));
}

export function deactivate(): void {}

async function startTraining(context: vscode.ExtensionContext, uri: vscode.Uri | undefined): Promise<void> {
  const file = uri ?? activeExperiment() ?? (await pickExperiment());
  if (file === undefined) return;
  const folder = vscode.workspace.getWorkspaceFolder(file);
  const cli = vscode.Uri.joinPath(context.extensionUri, 'bin', 'jointrain.js').fsPath;
  const terminal = vscode.window.createTerminal({ name: 'jointrain', cwd: folder?.uri.fsPath });
  context.subscriptions.push(terminal);
  terminal.show();
  terminal.sendText(`node ${quote(cli)} run ${quote(file.fsPath)}`);
}

function activeExperiment(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document?.fileName.endsWith('.jointrain.yaml') ? document.uri : undefined;
}

async function pickExperiment(): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles(EXPERIMENT_GLOB, '**/node_modules/**');
  if (files.length === 0) {
    void vscode.window.showWarningMessage('No *.jointrain.yaml experiment file in this workspace.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((file) => ({ label: vscode.workspace.asRelativePath(file), file })),
    { placeHolder: 'Experiment to train' },
  );
  return picked?.file;
}

function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}
