import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { EXPERIMENT_CODE_ACTION_KINDS, experimentCodeActionProvider } from './codeActionProvider';
import { experimentCompletionProvider } from './completionProvider';
import { EXPERIMENT_SELECTOR } from './experimentFiles';
import { experimentHoverProvider } from './hoverProvider';
import { LiveDiagnostics } from './liveDiagnostics';

/** Completion, hover, live problems and quick fixes in `*.jointrain.yaml` files and YAML files that declare the jointrain schema. */
export function registerLanguageFeatures(services: ExtensionServices): vscode.Disposable[] {
  return [
    vscode.languages.registerCompletionItemProvider(EXPERIMENT_SELECTOR, experimentCompletionProvider, ':', '/'),
    vscode.languages.registerHoverProvider(EXPERIMENT_SELECTOR, experimentHoverProvider),
    vscode.languages.registerCodeActionsProvider(EXPERIMENT_SELECTOR, experimentCodeActionProvider, { providedCodeActionKinds: EXPERIMENT_CODE_ACTION_KINDS }),
    new LiveDiagnostics(services),
  ];
}
