import * as vscode from 'vscode';
import { declaresJointrainSchema, MODELINE_LINES } from '../../shared/language/schemaModeline';

/**
 * Every YAML document: the providers answer only for experiments (`isExperimentDocument`), since a
 * file may be one by its modeline whatever its name. package.json maps `.jointrain.yaml` to YAML.
 */
export const EXPERIMENT_SELECTOR: vscode.DocumentSelector = { language: 'yaml' };

/** A `*.jointrain.yaml` file, or a YAML file whose modeline declares the jointrain schema. */
export function isExperimentDocument(document: vscode.TextDocument): boolean {
  if (document.fileName.endsWith('.jointrain.yaml')) return true;
  return document.languageId === 'yaml' && declaresJointrainSchema(document.getText(new vscode.Range(0, 0, MODELINE_LINES, 0)));
}
