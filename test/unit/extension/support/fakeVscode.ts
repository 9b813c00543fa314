/**
 * The part of the `vscode` API the host's commands call, as a test scripts it: registered commands
 * are kept to be run, each dialog answers from a queue the test fills, and every message shown is
 * recorded. `useFakeVscode()` makes `require('vscode')` return it (the tests run as CommonJS).
 */
import Module from 'node:module';
import { join } from 'node:path';

type Answer = string | undefined;

export const shown: Array<{ kind: 'information' | 'warning' | 'error'; message: string; modal: boolean }> = [];
export const answers: {
  warning: Answer[];
  information: Answer[];
  error: Answer[];
  quickPick: Array<(items: readonly unknown[]) => unknown>;
  inputBox: Answer[];
  /** Whether the user cancels the next progress notification (before its task returns). */
  cancelProgress: boolean[];
} = {
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

const message =
  (kind: 'information' | 'warning' | 'error') =>
  async (text: string, ...rest: unknown[]): Promise<Answer> => {
    const modal = typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as { modal?: boolean }).modal === true;
    shown.push({ kind, message: text, modal });
    if (kind === 'warning') return modal ? answers.warning.shift() : undefined;
    return answers[kind].shift();
  };

export const fakeVscode = {
  window: {
    showInformationMessage: message('information'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
    showQuickPick: async (items: readonly unknown[]) => answers.quickPick.shift()?.(items),
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
  workspace: { isTrusted: true as boolean, workspaceFolders: undefined },
  Uri: { file: (path: string) => ({ fsPath: path, scheme: 'file', path }) },
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
}
