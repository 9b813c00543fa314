/**
 * The VS Code host: wires the run store, the Runs view, the status bar, the trainer supervisor and
 * the commands. Activation is cheap: no tfjs, no training — trainers are separate processes — and
 * the disk is read asynchronously.
 */
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NativePackage } from '../shared/runs/nativeBackendOffer';
import { newExperiment } from './commands/newExperiment';
import { INSTALL_NATIVE_BACKEND, installNativeBackend, NativeBackendOffer, spawnNpm } from './commands/installNativeBackend';
import { registerRunCommands } from './commands/runCommands';
import { RunEndNotifier } from './panel/runEndNotifier';
import { RunPanels, registerRunPanels } from './panel/runPanels';
import { registerLanguageFeatures } from './language/registerLanguageFeatures';
import { startTraining } from './commands/startTraining';
import { RunStore } from './runs/runStore';
import { RunsWatcher } from './runs/runsWatcher';
import { resolveNodeRuntime, type NodeRuntime } from './trainers/nodeRuntime';
import { TrainerSupervisor } from './trainers/trainerSupervisor';
import { RunStatusBar } from './views/runStatusBar';
import { RunsTreeProvider } from './views/runsTreeProvider';
import { RunDataDiagnostics } from './views/runDataDiagnostics';
import type { ExtensionServices } from './services';
import { allRunsDirs, readSettings } from './settings';

/** The tfjs version package.json pins, should its node_modules copy be unreadable. */
const TFJS_VERSION_FALLBACK = '4.22.0';

/** A trainer that died without a word is only noticed by polling its pid. */
const LIVENESS_POLL_MS = 10_000;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('jointrain', { log: true });
  const diagnostics = vscode.languages.createDiagnosticCollection('jointrain');
  const store = new RunStore(allRunsDirs());
  const statusBar = new RunStatusBar(store);
  const trainers = new TrainerSupervisor(store, {
    onMessage: (runId, message) => {
      statusBar.onMessage(runId, message);
      panels.onTrainerMessage(runId, message);
      runEnds.onTrainerMessage(runId, message);
      if (message.type === 'event') log.info(`run ${runId}: ${message.kind}${message.message ? `: ${message.message}` : ''}`);
      if (message.type !== 'step') {
        const run = store.get(runId);
        if (run) void store.refreshRun(run.dir);
      }
    },
    onLog: (line) => log.info(line),
  });
  const reconcile = () => void trainers.reconcile();
  const watcher = new RunsWatcher(store, reconcile);
  const tree = new RunsTreeProvider(store);
  let runtime: Promise<NodeRuntime> | undefined;
  const services: ExtensionServices = {
    store,
    trainers,
    log,
    diagnostics,
    trainerScript: vscode.Uri.joinPath(context.extensionUri, 'dist', 'trainer.js').fsPath,
    nodeRuntime: () => (runtime ??= resolveNodeRuntime(readSettings().nodePath, probeNodeVersion, process.execPath)),
    watchRunsDir: (dir) => watcher.watch(dir),
  };
  // Referenced by the manager's callback above, which runs only after activation.
  const panels = new RunPanels(services, context.extensionUri);
  const runEnds = new RunEndNotifier(store, panels);
  const syncFolders = async () => {
    await store.setRunsDirs(allRunsDirs());
    watcher.setDirs(store.dirs);
    await trainers.reconcile();
  };
  const poll = setInterval(reconcile, LIVENESS_POLL_MS);
  const runData = new RunDataDiagnostics(store);
  const nativeOffer = new NativeBackendOffer(context.globalState);
  const extensionFolder = context.extensionUri.fsPath;

  context.subscriptions.push(
    log,
    diagnostics,
    statusBar,
    watcher,
    tree,
    { dispose: () => trainers.dispose() },
    { dispose: () => clearInterval(poll) },
    store.onDidChange(() => statusBar.render()),
    store.onDidChange((changed) => panels.onRunsChanged(changed)),
    runData,
    store.onDidChange(() => void runData.onRunsChanged()),
    store.onDidChange((changed) => nativeOffer.onRunsChanged(changed)),
    vscode.commands.registerCommand(INSTALL_NATIVE_BACKEND, async (pkg?: NativePackage) =>
      installNativeBackend({ folder: extensionFolder, tfjsVersion: await bundledTfjsVersion(extensionFolder), runNpm: spawnNpm, log }, pkg),
    ),
    vscode.window.createTreeView('jointrain.runs', { treeDataProvider: tree, showCollapseAll: true }),
    vscode.commands.registerCommand('jointrain.startTraining', (uri?: vscode.Uri) => startTraining(services, uri)),
    vscode.commands.registerCommand('jointrain.newExperiment', (uri?: vscode.Uri, uris?: vscode.Uri[]) => newExperiment(services, uri, uris)),
    ...registerRunCommands(services, panels),
    ...registerRunPanels(panels),
    ...registerLanguageFeatures(services),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void syncFolders()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('jointrain.nodePath')) runtime = undefined;
      if (event.affectsConfiguration('jointrain.runsDirectory')) void syncFolders();
    }),
  );
  void syncFolders();
}

export function deactivate(): void {}

/** The tfjs the trainer runs: a native package must be the same version. Read, not required: the host loads no tfjs. */
async function bundledTfjsVersion(extensionFolder: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(extensionFolder, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return TFJS_VERSION_FALLBACK;
  }
}

function probeNodeVersion(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, ['--version'], { timeout: 5000 }, (error, stdout) => {
      if (error) reject(new Error(error.message));
      else resolve(stdout);
    });
  });
}
