import type * as vscode from 'vscode';

/** Experiment files (package.json maps `.jointrain.yaml` to the YAML language). */
export const EXPERIMENT_SELECTOR: vscode.DocumentSelector = { language: 'yaml', pattern: '**/*.jointrain.yaml' };

export function isExperimentDocument(document: vscode.TextDocument): boolean {
  return document.fileName.endsWith('.jointrain.yaml');
}
