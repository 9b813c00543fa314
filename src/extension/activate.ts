/**
 * The VS Code host: wires the run store, the Runs view, the status bar, the trainer manager and
 * the commands. Activation is cheap: no tfjs, no training — trainers are separate processes.
 */
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { newExperiment } from './commands/newExperiment';
import { registerRunCommands } from './commands/runCommands';
import { RunPanels, registerRunPanels } from './panel/runPanels';
import { registerLanguageFeatures } from './language/registerLanguageFeatures';
import { startTraining } from './commands/startTraining';
import { resolveNodeRuntime, type NodeRuntime } from './runs/nodeRuntime';
import { RunManager } from './runs/runManager';
import { RunStatusBar } from './runs/runStatusBar';
import { RunStore } from './runs/runStore';
import { SkippedDataDiagnostics } from './runs/skippedDataDiagnostics';
import { RunsTreeProvider } from './runs/runsTreeProvider';
import { RunsWatcher } from './runs/runsWatcher';
import type { ExtensionServices } from './services';
import { allRunsDirs, readSettings } from './settings';

/** A trainer that died without a word is only noticed by polling its pid. */
const LIVENESS_POLL_MS = 10_000;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('jointrain', { log: true });
  const diagnostics = vscode.languages.createDiagnosticCollection('jointrain');
  const store = new RunStore(allRunsDirs());
  const statusBar = new RunStatusBar(store);
  const manager = new RunManager(store, {
    onMessage: (runId, message) => {
      statusBar.onMessage(runId, message);
      panels.onTrainerMessage(runId, message);
      if (message.type === 'event') log.info(`run ${runId}: ${message.kind}${message.message ? `: ${message.message}` : ''}`);
      if (message.type !== 'step') {
        const run = store.get(runId);
        if (run) store.refreshRun(run.dir);
      }
    },
    onLog: (line) => log.info(line),
  });
  const reconcile = () => void manager.reconcile();
  const watcher = new RunsWatcher(store, reconcile);
  const tree = new RunsTreeProvider(store);
  let runtime: Promise<NodeRuntime> | undefined;
  const services: ExtensionServices = {
    store,
    manager,
    log,
    diagnostics,
    trainerScript: vscode.Uri.joinPath(context.extensionUri, 'dist', 'trainer.js').fsPath,
    nodeRuntime: () => (runtime ??= resolveNodeRuntime(readSettings().nodePath, probeNodeVersion, process.execPath)),
    watchRunsDir: (dir) => watcher.watch(dir),
    followNewRun: (runDir, pid) => followNewRun(runDir, store, reconcile, pid),
  };
  // Referenced by the manager's callback above, which runs only after activation.
  const panels = new RunPanels(services, context.extensionUri);
  const syncFolders = () => {
    store.setRunsDirs(allRunsDirs());
    watcher.setDirs(store.dirs);
    reconcile();
  };
  const poll = setInterval(reconcile, LIVENESS_POLL_MS);
  const skippedData = new SkippedDataDiagnostics(store);

  context.subscriptions.push(
    log,
    diagnostics,
    statusBar,
    watcher,
    tree,
    { dispose: () => manager.dispose() },
    { dispose: () => clearInterval(poll) },
    store.onDidChange(() => statusBar.render()),
    store.onDidChange((changed) => panels.onRunsChanged(changed)),
    skippedData,
    store.onDidChange((changed) => skippedData.onRunsChanged(changed)),
    vscode.window.createTreeView('jointrain.runs', { treeDataProvider: tree, showCollapseAll: true }),
    vscode.commands.registerCommand('jointrain.startTraining', (uri?: vscode.Uri) => startTraining(services, uri)),
    vscode.commands.registerCommand('jointrain.newExperiment', (uri?: vscode.Uri, uris?: vscode.Uri[]) => newExperiment(services, uri, uris)),
    ...registerRunCommands(services, panels),
    ...registerRunPanels(panels),
    ...registerLanguageFeatures(services),
    vscode.workspace.onDidChangeWorkspaceFolders(syncFolders),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('jointrain.nodePath')) runtime = undefined;
      if (event.affectsConfiguration('jointrain.runsDirectory')) syncFolders();
    }),
  );
  syncFolders();
  skippedData.onRunsChanged();
}

export function deactivate(): void {}

const FOLLOW_POLL_MS = 200;
const FOLLOW_LIMIT_MS = 60_000;

/**
 * Polls a new run folder until its trainer has recorded its channel (or given up), then attaches.
 * A resumed run's folder already holds the previous trainer's record: wait for `pid`'s.
 */
function followNewRun(runDir: string, store: RunStore, reconcile: () => void, pid?: number): void {
  const started = Date.now();
  const check = () => {
    store.refreshRun(runDir);
    const found = store.all().find((summary) => summary.dir === runDir);
    const run = pid === undefined || found?.record.pid === pid ? found : undefined;
    if (run?.record.channel !== undefined || (run !== undefined && run.record.status !== 'running') || Date.now() - started > FOLLOW_LIMIT_MS) {
      reconcile();
      return;
    }
    setTimeout(check, FOLLOW_POLL_MS);
  };
  check();
}

function probeNodeVersion(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, ['--version'], { timeout: 5000 }, (error, stdout) => {
      if (error) reject(new Error(error.message));
      else resolve(stdout);
    });
  });
}
