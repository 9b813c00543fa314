import { open } from 'node:fs/promises';
import * as vscode from 'vscode';
import { completeAt, type CompletionEntry, type DirectoryEntry } from '../../shared/language/completion';
import { isExperimentDocument } from './experimentFiles';

const KINDS: Record<CompletionEntry['kind'], vscode.CompletionItemKind> = {
  field: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
  name: vscode.CompletionItemKind.Reference,
  folder: vscode.CompletionItemKind.Folder,
  file: vscode.CompletionItemKind.File,
};

/** Adapts the pure completer; the only I/O is listing folders next to the experiment and reading the start of CSV files. */
export const experimentCompletionProvider: vscode.CompletionItemProvider = {
  async provideCompletionItems(document, position) {
    if (!isExperimentDocument(document)) return undefined;
    const folder = vscode.Uri.joinPath(document.uri, '..');
    const entries = await completeAt(document.getText(), document.offsetAt(position), {
      listDirectory: (path) => listDirectory(folder, path),
      readFileStart: (path, bytes) => readFileStart(vscode.Uri.joinPath(folder, path), bytes),
    });
    return entries.map((entry) => {
      const item = new vscode.CompletionItem(entry.label, KINDS[entry.kind]);
      item.insertText = entry.snippet ? new vscode.SnippetString(entry.insertText) : entry.insertText;
      item.range = new vscode.Range(document.positionAt(entry.replace.start), document.positionAt(entry.replace.end));
      item.detail = entry.detail;
      if (entry.documentation) item.documentation = new vscode.MarkdownString(entry.documentation);
      if (entry.kind === 'folder') item.command = { command: 'editor.action.triggerSuggest', title: 'Suggest' };
      return item;
    });
  },
};

async function listDirectory(base: vscode.Uri, relative: string): Promise<DirectoryEntry[]> {
  try {
    const entries = await vscode.workspace.fs.readDirectory(relative ? vscode.Uri.joinPath(base, relative) : base);
    return entries.map(([name, type]) => ({ name, folder: (type & vscode.FileType.Directory) !== 0 }));
  } catch {
    return [];
  }
}

/** The first bytes of a file as text; a local file is read in part, since a dataset may be large. */
async function readFileStart(file: vscode.Uri, bytes: number): Promise<string | undefined> {
  try {
    if (file.scheme !== 'file') return new TextDecoder().decode((await vscode.workspace.fs.readFile(file)).subarray(0, bytes));
    const handle = await open(file.fsPath, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
      return new TextDecoder().decode(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
