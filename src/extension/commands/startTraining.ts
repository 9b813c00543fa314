/**
 * "Start joint training": pick the experiment, refuse in an untrusted workspace, validate (errors
 * go to the Problems panel and nothing launches), then start a detached trainer and attach to it.
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { runValidate, toDiagnostics } from '../experimentValidation';
import type { ExtensionServices } from '../services';
import { readSettings, runsDirOf } from '../settings';

const EXPERIMENT_GLOB = '**/*.jointrain.yaml';

export async function startTraining(services: ExtensionServices, uri?: vscode.Uri): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) {
    const choice = await vscode.window.showWarningMessage(
      'jointrain: training runs code and reads data from this workspace, so it is only available in a trusted workspace.',
      'Manage Workspace Trust',
    );
    if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  const file = uri ?? activeExperiment() ?? (await pickExperiment());
  if (file === undefined) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(file) ?? vscode.workspace.workspaceFolders?.[0];
  const cwd = folder?.uri.fsPath ?? dirname(file.fsPath);
  const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === file.toString());
  if (document?.isDirty) await document.save();

  const node = await services.nodeRuntime();
  if (node.notice) services.log.warn(node.notice);
  const issues = await runValidate(node, services.trainerScript, file.fsPath, cwd);
  services.diagnostics.set(file, toDiagnostics(issues));
  const errors = issues.filter((issue) => issue.severity === 'error').length;
  if (errors > 0) {
    services.log.error(`${vscode.workspace.asRelativePath(file)} has ${errors} error(s); not starting.`);
    void vscode.window
      .showErrorMessage(
        `jointrain: ${vscode.workspace.asRelativePath(file)} has ${errors} error${errors === 1 ? '' : 's'}. Fix ${errors === 1 ? 'it' : 'them'} to start training.`,
        'Show Problems',
      )
      .then((choice) => choice && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return undefined;
  }

  const settings = readSettings();
  const runsDir = folder ? runsDirOf(folder, settings) : `${cwd}/.jointrain/runs`;
  services.watchRunsDir(runsDir);
  const launched = await services.trainers.start({
    experimentFile: file.fsPath,
    runsDir,
    trainerScript: services.trainerScript,
    node,
    backend: settings.backend,
    cwd,
  });
  services.log.info(`started run ${launched.runId} (pid ${launched.pid}) for ${vscode.workspace.asRelativePath(file)}; log: ${launched.runDir}/trainer.log`);
  return launched.runId;
}

function activeExperiment(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document?.fileName.endsWith('.jointrain.yaml') ? document.uri : undefined;
}

async function pickExperiment(): Promise<vscode.Uri | undefined> {
  // Run folders keep a snapshot of their experiment: a record of a run, not an experiment to train.
  const files = await vscode.workspace.findFiles(EXPERIMENT_GLOB, '{**/node_modules/**,**/.jointrain/**}');
  if (files.length === 0) {
    void vscode.window.showWarningMessage('jointrain: no *.jointrain.yaml experiment file in this workspace.');
    return undefined;
  }
  // ignoreFocusOut: a live run's row in the Runs view is redrawn at every epoch, which can move focus.
  const picked = await vscode.window.showQuickPick(
    files.map((file) => ({ label: vscode.workspace.asRelativePath(file), file })),
    { placeHolder: 'Experiment to train', ignoreFocusOut: true },
  );
  return picked?.file;
}
