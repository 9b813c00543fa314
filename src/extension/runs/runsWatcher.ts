/**
 * Watches runs folders (inside or outside the workspace) and refreshes the store per run folder,
 * at most every DEBOUNCE_MS: a training run appends to its files many times a second.
 */
import * as vscode from 'vscode';
import { mkdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RunStore } from './runStore';

const DEBOUNCE_MS = 250;

export class RunsWatcher implements vscode.Disposable {
  private readonly watchers = new Map<string, vscode.FileSystemWatcher>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private disposed = false;

  constructor(
    private readonly store: RunStore,
    private readonly onRunChanged: () => void,
  ) {}

  watch(runsDir: string): void {
    if (this.watchers.has(runsDir)) return;
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(runsDir));
    if (folder) this.add(runsDir, insideWorkspace(folder, runsDir));
    // Outside a workspace, the folder must exist before it can be watched.
    else void mkdir(runsDir, { recursive: true }).then(() => this.add(runsDir, new vscode.RelativePattern(vscode.Uri.file(runsDir), '**/*')));
  }

  private add(runsDir: string, pattern: vscode.RelativePattern): void {
    if (this.disposed || this.watchers.has(runsDir)) return;
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const changed = (uri: vscode.Uri) => this.schedule(runsDir, uri.fsPath);
    watcher.onDidCreate(changed);
    watcher.onDidChange(changed);
    watcher.onDidDelete(changed);
    this.watchers.set(runsDir, watcher);
  }

  /** Watches exactly these folders. */
  setDirs(dirs: readonly string[]): void {
    for (const [dir, watcher] of this.watchers) {
      if (!dirs.includes(dir)) {
        watcher.dispose();
        this.watchers.delete(dir);
      }
    }
    dirs.forEach((dir) => this.watch(dir));
  }

  private schedule(runsDir: string, path: string): void {
    const first = relative(runsDir, path).split(sep)[0];
    if (!first || first.startsWith('..')) return;
    const runDir = join(runsDir, first);
    // Throttled, not debounced: a training run appends more often than the interval, and a
    // debounce would then never fire. Changes made while a refresh is pending are read by it.
    if (this.pending.has(runDir)) return;
    this.pending.set(
      runDir,
      setTimeout(() => {
        this.pending.delete(runDir);
        void this.store.refreshRun(runDir).then(this.onRunChanged);
      }, DEBOUNCE_MS),
    );
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    for (const watcher of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
  }
}

/**
 * Inside a workspace folder, the pattern is anchored at the folder, so the workspace's own
 * watcher serves it even before the runs folder exists (a watcher based on a missing folder may
 * never see it appear).
 */
function insideWorkspace(folder: vscode.WorkspaceFolder, runsDir: string): vscode.RelativePattern {
  const inside = relative(folder.uri.fsPath, runsDir).split(sep).join('/');
  return new vscode.RelativePattern(folder, `${inside}/**/*`);
}
