import * as vscode from 'vscode';
import { quickFixesAt } from '../../shared/language/quickFixes';
import { isExperimentDocument } from './experimentFiles';

export const experimentCodeActionProvider: vscode.CodeActionProvider = {
  provideCodeActions(document, range, context) {
    if (!isExperimentDocument(document)) return [];
    const fixes = quickFixesAt(document.getText(), document.fileName, document.offsetAt(range.start), document.offsetAt(range.end));
    return fixes.map((fix) => {
      const action = new vscode.CodeAction(fix.title, fix.issue ? vscode.CodeActionKind.QuickFix : vscode.CodeActionKind.RefactorRewrite);
      action.edit = new vscode.WorkspaceEdit();
      for (const edit of fix.edits) {
        action.edit.replace(document.uri, new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end)), edit.newText);
      }
      action.isPreferred = fix.preferred;
      const message = fix.issue?.message;
      if (message) action.diagnostics = context.diagnostics.filter((diagnostic) => diagnostic.message.endsWith(message));
      return action;
    });
  },
};

export const EXPERIMENT_CODE_ACTION_KINDS = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite];
