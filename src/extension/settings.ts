import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';
import { RUNS_DIR } from '../shared/runs/format';

export interface JointrainSettings {
  nodePath: string | undefined;
  backend: string;
  runsDirectory: string;
}

export function readSettings(): JointrainSettings {
  const config = vscode.workspace.getConfiguration('jointrain');
  // settings.json is hand-edited: a value of the wrong type counts as unset rather than breaking activation.
  const text = (key: string): string | undefined => {
    const value = config.get<unknown>(key);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  return {
    nodePath: text('nodePath'),
    backend: text('backend') ?? 'auto',
    runsDirectory: text('runsDirectory') ?? RUNS_DIR,
  };
}

/** The runs folder of a workspace folder (the setting may be absolute or relative to the folder). */
export function runsDirOf(folder: vscode.WorkspaceFolder, settings: JointrainSettings = readSettings()): string {
  return isAbsolute(settings.runsDirectory) ? settings.runsDirectory : join(folder.uri.fsPath, settings.runsDirectory);
}

export function allRunsDirs(): string[] {
  const settings = readSettings();
  return [...new Set((vscode.workspace.workspaceFolders ?? []).map((folder) => runsDirOf(folder, settings)))];
}
