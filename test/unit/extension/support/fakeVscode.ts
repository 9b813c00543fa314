/**
 * The part of the `vscode` API the host's commands call, as a test scripts it: registered commands
 * are kept to be run, each dialog answers from a queue the test fills, and every message shown is
 * recorded. `useFakeVscode()` makes `require('vscode')` return it (the tests run as CommonJS).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import Module from 'node:module';
import { join, posix, relative, sep } from 'node:path';

type Answer = string | undefined;

export const shown: Array<{ kind: 'information' | 'warning' | 'error'; message: string; modal: boolean }> = [];
export const answers: {
  warning: Answer[];
  information: Answer[];
  error: Answer[];
  /** Each answers one quick pick from its items and the options it was opened with. */
  quickPick: Array<(items: readonly unknown[], options?: { placeHolder?: string; ignoreFocusOut?: boolean }) => unknown>;
  inputBox: Answer[];
  /** Whether the user cancels the next progress notification (before its task returns). */
  cancelProgress: boolean[];
  /** What a non-modal warning's buttons answer; while empty it answers nothing, as before. */
  nonModalWarning: Answer[];
  saveDialog: Array<FakeUri | undefined>;
  openDialog: Array<FakeUri[] | undefined>;
} = {
  nonModalWarning: [],
  saveDialog: [],
  openDialog: [],
  warning: [],
  information: [],
  error: [],
  cancelProgress: [],
  quickPick: [],
  inputBox: [],
};
/** What each input box was opened with, and what its validation said of the answer given. */
export const inputBoxes: Array<{ value: string | undefined; problem: string | undefined }> = [];
export const opened: string[] = [];
/** Each progress notification: its title and every message it reported. */
export const progress: Array<{ title: string; messages: string[] }> = [];
export const registered = new Map<string, (...args: unknown[]) => unknown>();
export const executed: Array<{ command: string; args: unknown[] }> = [];

/** `vscode.EventEmitter`: `event` adds a listener, `fire` calls them all; `dispose` drops them. */
export class EventEmitter<T> {
  private readonly listeners = new Set<(event: T) => unknown>();
  readonly event = (listener: (event: T) => unknown): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  };
  fire(event: T): void {
    [...this.listeners].forEach((listener) => listener(event));
  }
  dispose(): void {
    this.listeners.clear();
  }
}

/** Fired whenever a fake records something a test may wait for (a message shown or posted, diagnostics set). */
const changed = new EventEmitter<void>();

/**
 * Resolves with what `check` returns once it is neither undefined nor false: checked now, whenever a
 * fake records something, and every 10 ms for what happens elsewhere (the disk, a child process).
 */
export function until<T>(check: () => T | undefined | false, what = 'the condition', timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const finish = (done: () => void) => {
      clearInterval(poll);
      clearTimeout(limit);
      subscription.dispose();
      done();
    };
    const test = () => {
      try {
        const value = check();
        if (value !== undefined && value !== false) finish(() => resolve(value));
      } catch (error) {
        finish(() => reject(error as Error));
      }
    };
    const subscription = changed.event(test);
    const poll = setInterval(test, 10);
    const limit = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}`))), timeoutMs);
    test();
  });
}

export interface FakeUri {
  readonly fsPath: string;
  readonly scheme: string;
  readonly path: string;
  toString(): string;
  with(change: { path?: string; scheme?: string }): FakeUri;
}

/** A URI whose own enumerable fields are fsPath, scheme and path (as `Uri.file` always gave); its methods are not enumerable. */
export function fakeUri(path: string, scheme = 'file'): FakeUri {
  const uri = { fsPath: path, scheme, path };
  Object.defineProperties(uri, {
    toString: { value: () => (scheme === 'file' ? `file://${path}` : `${scheme}:${path}`) },
    with: { value: (change: { path?: string; scheme?: string }) => fakeUri(change.path ?? path, change.scheme ?? scheme) },
  });
  return uri as FakeUri;
}

export interface FakeWorkspaceFolder {
  uri: FakeUri;
  name: string;
  index: number;
}

export function workspaceFolder(path: string, index = 0): FakeWorkspaceFolder {
  return { uri: fakeUri(path), name: path.split(sep).pop() ?? path, index };
}

function folderOf(path: string): FakeWorkspaceFolder | undefined {
  return (fakeVscode.workspace.workspaceFolders ?? [])
    .filter((folder) => path === folder.uri.fsPath || path.startsWith(folder.uri.fsPath + sep))
    .sort((a, b) => b.uri.fsPath.length - a.uri.fsPath.length)[0];
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(startLine: number | Position, startCharacter: number | Position, endLine?: number, endCharacter?: number) {
    if (typeof startLine === 'number' && typeof startCharacter === 'number') {
      this.start = new Position(startLine, startCharacter);
      this.end = new Position(endLine ?? startLine, endCharacter ?? startCharacter);
    } else {
      this.start = startLine as Position;
      this.end = startCharacter as Position;
    }
  }
}

export class Diagnostic {
  source: string | undefined;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity = 0,
  ) {}
}

export class CompletionItem {
  insertText: string | SnippetString | undefined;
  range: Range | undefined;
  detail: string | undefined;
  documentation: MarkdownString | undefined;
  command: { command: string; title: string } | undefined;
  constructor(
    readonly label: string,
    readonly kind?: number,
  ) {}
}

export class SnippetString {
  constructor(readonly value: string) {}
}

export class MarkdownString {
  constructor(readonly value = '') {}
}

export class Hover {
  readonly contents: MarkdownString[];
  constructor(
    contents: MarkdownString | MarkdownString[],
    readonly range?: Range,
  ) {
    this.contents = Array.isArray(contents) ? contents : [contents];
  }
}

export class CodeActionKind {
  static readonly QuickFix = new CodeActionKind('quickfix');
  static readonly RefactorRewrite = new CodeActionKind('refactor.rewrite');
  constructor(readonly value: string) {}
}

/** Records each replacement: `edits` is the fake's own, not VS Code's API. */
export class WorkspaceEdit {
  readonly edits: Array<{ uri: FakeUri; range: Range; newText: string }> = [];
  replace(uri: FakeUri, range: Range, newText: string): void {
    this.edits.push({ uri, range, newText });
  }
}

export class CodeAction {
  edit: WorkspaceEdit | undefined;
  isPreferred: boolean | undefined;
  diagnostics: Diagnostic[] | undefined;
  constructor(
    readonly title: string,
    readonly kind?: CodeActionKind,
  ) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export class TreeItem {
  id: string | undefined;
  description: string | undefined;
  tooltip: string | undefined;
  iconPath: ThemeIcon | undefined;
  contextValue: string | undefined;
  command: { command: string; title: string; arguments?: unknown[] } | undefined;
  accessibilityInformation: { label: string } | undefined;
  constructor(
    readonly label: string,
    readonly collapsibleState = 0,
  ) {}
}

const FileType = { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 };

export class FakeRelativePattern {
  readonly baseUri: FakeUri;
  constructor(
    readonly base: FakeUri | FakeWorkspaceFolder,
    readonly pattern: string,
  ) {
    this.baseUri = 'uri' in base ? base.uri : base;
  }
}

export class FakeStatusBarItem {
  name: string | undefined;
  text = '';
  tooltip: string | undefined;
  command: { command: string; title: string; arguments?: unknown[] } | undefined;
  visible = false;
  disposed = false;
  constructor(
    readonly id: string,
    readonly alignment: number,
    readonly priority: number,
  ) {}
  show(): void {
    this.visible = true;
    changed.fire();
  }
  hide(): void {
    this.visible = false;
    changed.fire();
  }
  dispose(): void {
    this.disposed = true;
    this.visible = false;
  }
}

/** A log output channel: each line with its level. */
export class FakeLogChannel {
  readonly lines: Array<{ level: 'info' | 'warn' | 'error' | 'debug' | 'trace'; message: string }> = [];
  shown = 0;
  disposed = false;
  constructor(
    readonly name: string,
    readonly log: boolean,
  ) {}
  private add(level: FakeLogChannel['lines'][number]['level'], message: string): void {
    this.lines.push({ level, message });
    changed.fire();
  }
  info(message: string): void {
    this.add('info', message);
  }
  warn(message: string): void {
    this.add('warn', message);
  }
  error(message: string): void {
    this.add('error', message);
  }
  debug(message: string): void {
    this.add('debug', message);
  }
  trace(message: string): void {
    this.add('trace', message);
  }
  appendLine(message: string): void {
    this.add('info', message);
  }
  show(): void {
    this.shown++;
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** A webview panel: what the host posts is kept in `posted`; the test speaks for the webview with `fromWebview`. */
export class FakeWebviewPanel {
  visible = true;
  disposed = false;
  revealed = 0;
  iconPath: unknown;
  /** What `webview.postMessage` answers: false as when the webview is gone. */
  deliver = true;
  readonly posted: unknown[] = [];
  /** What was posted while `deliver` was false. */
  readonly refused: unknown[] = [];
  private readonly received = new EventEmitter<unknown>();
  private readonly viewState = new EventEmitter<unknown>();
  private readonly disposedEvent = new EventEmitter<void>();
  readonly webview = {
    options: {} as unknown,
    html: '',
    cspSource: 'fake-csp-source',
    asWebviewUri: (uri: FakeUri) => uri.with({ scheme: 'vscode-webview' }),
    postMessage: async (message: unknown) => {
      (this.deliver ? this.posted : this.refused).push(message);
      changed.fire();
      return this.deliver;
    },
    onDidReceiveMessage: this.received.event,
  };
  readonly onDidChangeViewState = this.viewState.event;
  readonly onDidDispose = this.disposedEvent.event;
  constructor(
    readonly viewType: string,
    public title: string,
    readonly column: number,
    readonly options: unknown,
  ) {}
  reveal(): void {
    this.revealed++;
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposedEvent.fire();
    changed.fire();
  }
  fromWebview(message: unknown): void {
    this.received.fire(message);
  }
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.viewState.fire({ webviewPanel: this });
  }
}

export class FakeDiagnosticCollection {
  private readonly entries = new Map<string, { uri: FakeUri; diagnostics: readonly Diagnostic[] }>();
  /** Every `set`, in order: the URI and the messages set. */
  readonly history: Array<{ uri: string; messages: string[] }> = [];
  disposed = false;
  constructor(readonly name: string) {}
  set(uri: FakeUri, diagnostics: readonly Diagnostic[] | undefined): void {
    this.history.push({ uri: uri.toString(), messages: (diagnostics ?? []).map((diagnostic) => diagnostic.message) });
    if (diagnostics === undefined) this.entries.delete(uri.toString());
    else this.entries.set(uri.toString(), { uri, diagnostics: [...diagnostics] });
    changed.fire();
  }
  get(uri: FakeUri): readonly Diagnostic[] | undefined {
    return this.entries.get(uri.toString())?.diagnostics;
  }
  has(uri: FakeUri): boolean {
    return this.entries.has(uri.toString());
  }
  delete(uri: FakeUri): void {
    this.entries.delete(uri.toString());
    changed.fire();
  }
  clear(): void {
    this.entries.clear();
    changed.fire();
  }
  /** The URIs (as strings) that have diagnostics. */
  uris(): string[] {
    return [...this.entries.keys()];
  }
  dispose(): void {
    this.disposed = true;
    this.entries.clear();
  }
}

export class FakeFileSystemWatcher {
  disposed = false;
  private readonly created = new EventEmitter<FakeUri>();
  private readonly changedFile = new EventEmitter<FakeUri>();
  private readonly deleted = new EventEmitter<FakeUri>();
  readonly onDidCreate = this.created.event;
  readonly onDidChange = this.changedFile.event;
  readonly onDidDelete = this.deleted.event;
  constructor(readonly pattern: FakeRelativePattern) {}
  fire(kind: 'create' | 'change' | 'delete', uri: FakeUri): void {
    ({ create: this.created, change: this.changedFile, delete: this.deleted })[kind].fire(uri);
  }
  dispose(): void {
    this.disposed = true;
  }
}

export const dialogs: Array<{ kind: 'save' | 'open'; options: unknown }> = [];
export const statusBarItems: FakeStatusBarItem[] = [];
export const outputChannels: FakeLogChannel[] = [];
export const treeViews: Array<{ id: string; options: { treeDataProvider: unknown; showCollapseAll?: boolean }; disposed: boolean }> = [];
export const webviewPanels: FakeWebviewPanel[] = [];
export const serializers = new Map<string, { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }>();
export const diagnosticCollections: FakeDiagnosticCollection[] = [];
export const languageProviders: Array<{
  kind: 'completion' | 'hover' | 'codeActions';
  selector: unknown;
  provider: unknown;
  triggerCharacters?: string[];
  metadata?: unknown;
}> = [];
export const fileWatchers: FakeFileSystemWatcher[] = [];
/** What `workspace.findFiles` finds, and each search made. */
export const workspaceFiles: FakeUri[] = [];
export const findFilesCalls: Array<{ include: string; exclude: string | undefined }> = [];
/** Settings by full name (`jointrain.backend`); a name not here reads as unset. */
export const configuration: Record<string, unknown> = {};
export const installedExtensions = new Map<string, { isActive: boolean }>();
export const workspaceEvents = {
  openDocument: new EventEmitter<unknown>(),
  changeDocument: new EventEmitter<{ document: unknown }>(),
  saveDocument: new EventEmitter<unknown>(),
  closeDocument: new EventEmitter<unknown>(),
  changeFolders: new EventEmitter<unknown>(),
  changeConfiguration: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
};

function registerProvider(entry: (typeof languageProviders)[number]): { dispose(): void } {
  languageProviders.push(entry);
  return { dispose: () => void languageProviders.splice(languageProviders.indexOf(entry), 1) };
}

const message =
  (kind: 'information' | 'warning' | 'error') =>
  async (text: string, ...rest: unknown[]): Promise<Answer> => {
    const modal = typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as { modal?: boolean }).modal === true;
    shown.push({ kind, message: text, modal });
    changed.fire();
    if (kind === 'warning') return modal ? answers.warning.shift() : answers.nonModalWarning.shift();
    return answers[kind].shift();
  };

export const fakeVscode = {
  window: {
    showInformationMessage: message('information'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
    showQuickPick: async (items: readonly unknown[], options?: { placeHolder?: string; ignoreFocusOut?: boolean }) =>
      answers.quickPick.shift()?.(items, options),
    showInputBox: async (options: { value?: string; validateInput?: (value: string) => string | undefined }) => {
      const answer = answers.inputBox.shift();
      inputBoxes.push({ value: options.value, problem: answer === undefined ? undefined : options.validateInput?.(answer) });
      return answer;
    },
    showTextDocument: async (uri: { fsPath: string }) => {
      opened.push(uri.fsPath);
    },
    withProgress: async <T>(
      options: { title: string },
      task: (
        report: { report(value: { message?: string }): void },
        token: { isCancellationRequested: boolean; onCancellationRequested(listener: () => void): { dispose(): void } },
      ) => Promise<T>,
    ): Promise<T> => {
      const entry = { title: options.title, messages: [] as string[] };
      progress.push(entry);
      const listeners: Array<() => void> = [];
      const token = {
        isCancellationRequested: false,
        onCancellationRequested: (listener: () => void) => {
          listeners.push(listener);
          return { dispose: () => undefined };
        },
      };
      const running = task({ report: ({ message }) => message !== undefined && entry.messages.push(message) }, token);
      if (answers.cancelProgress.shift() === true) {
        token.isCancellationRequested = true;
        listeners.forEach((listener) => listener());
      }
      return running;
    },
    activeTextEditor: undefined as { document: unknown } | undefined,
    showSaveDialog: async (options: unknown) => {
      dialogs.push({ kind: 'save', options });
      return answers.saveDialog.shift();
    },
    showOpenDialog: async (options: unknown) => {
      dialogs.push({ kind: 'open', options });
      return answers.openDialog.shift();
    },
    createStatusBarItem: (id: string, alignment: number, priority: number) => {
      const item = new FakeStatusBarItem(id, alignment, priority);
      statusBarItems.push(item);
      return item;
    },
    createOutputChannel: (name: string, options?: { log?: boolean }) => {
      const channel = new FakeLogChannel(name, options?.log === true);
      outputChannels.push(channel);
      return channel;
    },
    createTreeView: (id: string, options: { treeDataProvider: unknown; showCollapseAll?: boolean }) => {
      const view = { id, options, disposed: false, dispose: () => void (view.disposed = true) };
      treeViews.push(view);
      return view;
    },
    createWebviewPanel: (viewType: string, title: string, column: number, options: unknown) => {
      const panel = new FakeWebviewPanel(viewType, title, column, options);
      webviewPanels.push(panel);
      return panel;
    },
    registerWebviewPanelSerializer: (viewType: string, serializer: { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }) => {
      serializers.set(viewType, serializer);
      return { dispose: () => serializers.delete(viewType) };
    },
  },
  ProgressLocation: { Notification: 15 },
  commands: {
    registerCommand: (id: string, run: (...args: unknown[]) => unknown) => {
      registered.set(id, run);
      return { dispose: () => registered.delete(id) };
    },
    executeCommand: async (command: string, ...args: unknown[]) => {
      executed.push({ command, args });
    },
  },
  workspace: {
    isTrusted: true as boolean,
    workspaceFolders: undefined as FakeWorkspaceFolder[] | undefined,
    textDocuments: [] as unknown[],
    getConfiguration: (section: string) => ({
      get: <T>(key: string, defaultValue?: T): T | undefined => {
        const full = `${section}.${key}`;
        return full in configuration ? (configuration[full] as T) : defaultValue;
      },
    }),
    getWorkspaceFolder: (uri: { fsPath: string }) => folderOf(uri.fsPath),
    asRelativePath: (pathOrUri: string | { fsPath: string }) => {
      const path = typeof pathOrUri === 'string' ? pathOrUri : pathOrUri.fsPath;
      const folder = folderOf(path);
      return folder ? relative(folder.uri.fsPath, path).split(sep).join('/') : path;
    },
    findFiles: async (include: string, exclude?: string) => {
      findFilesCalls.push({ include, exclude });
      return [...workspaceFiles];
    },
    /** The real disk, through file URIs. */
    fs: {
      readDirectory: async (uri: { fsPath: string }): Promise<Array<[string, number]>> =>
        (await readdir(uri.fsPath, { withFileTypes: true })).map((entry) => [entry.name, entry.isDirectory() ? FileType.Directory : FileType.File]),
      readFile: async (uri: { fsPath: string }) => new Uint8Array(await readFile(uri.fsPath)),
      writeFile: async (uri: { fsPath: string }, content: Uint8Array) => writeFile(uri.fsPath, content),
    },
    createFileSystemWatcher: (pattern: FakeRelativePattern) => {
      const watcher = new FakeFileSystemWatcher(pattern);
      fileWatchers.push(watcher);
      return watcher;
    },
    onDidOpenTextDocument: (listener: (document: unknown) => unknown) => workspaceEvents.openDocument.event(listener),
    onDidChangeTextDocument: (listener: (change: { document: unknown }) => unknown) => workspaceEvents.changeDocument.event(listener),
    onDidSaveTextDocument: (listener: (document: unknown) => unknown) => workspaceEvents.saveDocument.event(listener),
    onDidCloseTextDocument: (listener: (document: unknown) => unknown) => workspaceEvents.closeDocument.event(listener),
    onDidChangeWorkspaceFolders: (listener: (change: unknown) => unknown) => workspaceEvents.changeFolders.event(listener),
    onDidChangeConfiguration: (listener: (change: { affectsConfiguration(section: string): boolean }) => unknown) =>
      workspaceEvents.changeConfiguration.event(listener),
  },
  Uri: {
    file: (path: string) => fakeUri(path),
    joinPath: (base: FakeUri, ...segments: string[]) => fakeUri(posix.join(base.path, ...segments), base.scheme),
    parse: (text: string) => {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1] ?? 'file';
      return fakeUri(text.replace(/^[a-z][a-z0-9+.-]*:(\/\/)?/i, ''), scheme);
    },
  },
  languages: {
    createDiagnosticCollection: (name: string) => {
      const collection = new FakeDiagnosticCollection(name);
      diagnosticCollections.push(collection);
      return collection;
    },
    registerCompletionItemProvider: (selector: unknown, provider: unknown, ...triggerCharacters: string[]) =>
      registerProvider({ kind: 'completion', selector, provider, triggerCharacters }),
    registerHoverProvider: (selector: unknown, provider: unknown) => registerProvider({ kind: 'hover', selector, provider }),
    registerCodeActionsProvider: (selector: unknown, provider: unknown, metadata: unknown) =>
      registerProvider({ kind: 'codeActions', selector, provider, metadata }),
  },
  env: { remoteName: undefined as string | undefined },
  extensions: { getExtension: (id: string) => installedExtensions.get(id) },
  EventEmitter,
  Position,
  Range,
  Diagnostic,
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  CompletionItem,
  CompletionItemKind: { Text: 0, Property: 9, Value: 11, File: 16, Reference: 17, Folder: 18, EnumMember: 19 },
  SnippetString,
  MarkdownString,
  Hover,
  CodeAction,
  CodeActionKind,
  WorkspaceEdit,
  TreeItem,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ThemeIcon,
  ThemeColor,
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  FileType,
  RelativePattern: FakeRelativePattern,
};

/** From now on, `require('vscode')` in this process gives the fake (`vscodeModule.ts` exports it). */
export function useFakeVscode(): void {
  const moduleWithResolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = moduleWithResolver._resolveFilename;
  const stand = resolve(join(__dirname, 'vscodeModule'), module);
  moduleWithResolver._resolveFilename = (request, ...rest) => (request === 'vscode' ? stand : resolve(request, ...rest));
}

export function resetFakeVscode(): void {
  shown.length = 0;
  answers.warning.length = 0;
  answers.information.length = 0;
  answers.error.length = 0;
  answers.cancelProgress.length = 0;
  progress.length = 0;
  answers.quickPick.length = 0;
  answers.inputBox.length = 0;
  inputBoxes.length = 0;
  opened.length = 0;
  executed.length = 0;
  fakeVscode.workspace.isTrusted = true;
  answers.nonModalWarning.length = 0;
  answers.saveDialog.length = 0;
  answers.openDialog.length = 0;
  dialogs.length = 0;
  statusBarItems.length = 0;
  outputChannels.length = 0;
  treeViews.length = 0;
  webviewPanels.length = 0;
  serializers.clear();
  diagnosticCollections.length = 0;
  languageProviders.length = 0;
  fileWatchers.length = 0;
  findFilesCalls.length = 0;
  workspaceFiles.length = 0;
  installedExtensions.clear();
  for (const key of Object.keys(configuration)) delete configuration[key];
  Object.values(workspaceEvents).forEach((emitter) => emitter.dispose());
  fakeVscode.workspace.workspaceFolders = undefined;
  fakeVscode.workspace.textDocuments = [];
  fakeVscode.window.activeTextEditor = undefined;
  fakeVscode.env.remoteName = undefined;
}
