import * as vscode from 'vscode';
import { hoverAt } from '../../shared/language/hover';
import { isExperimentDocument } from './experimentFiles';

export const experimentHoverProvider: vscode.HoverProvider = {
  provideHover(document, position) {
    if (!isExperimentDocument(document)) return undefined;
    const hover = hoverAt(document.getText(), document.offsetAt(position));
    if (!hover) return undefined;
    return new vscode.Hover(
      new vscode.MarkdownString(hover.markdown),
      new vscode.Range(document.positionAt(hover.range.start), document.positionAt(hover.range.end)),
    );
  },
};
