/**
 * Commands on one run: open, pause, resume, stop, request new weights, reveal its folder, open
 * its experiment snapshot, delete it. Each takes a Runs-view node or a run id, or asks which run.
 */
import * as vscode from 'vscode';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TrainerCommandSchema, type TrainerCommand } from '../../shared/protocol/trainerCommands';
import { isLiveStatus, isValidRunId, RUN_FILES } from '../../shared/runs/format';
import type { RunSummary } from '../runs/runSummary';
import type { RunNode } from '../views/runsTree';
import type { ExtensionServices } from '../services';
import { augmentProblem, weightsProblem } from './weightRequest';
import { weightChangeProblem, type CurrentWeights } from '../../shared/mixing/weightChange';

type RunArgument = RunNode | string | undefined;

export async function resolveRun(
  services: ExtensionServices,
  argument: RunArgument,
  filter: (run: RunSummary) => boolean = () => true,
): Promise<RunSummary | undefined> {
  await services.store.loaded;
  if (typeof argument === 'string') return services.store.get(argument);
  if (argument?.kind === 'run') return services.store.get(argument.runId);
  const candidates = services.store
    .all()
    .filter(filter)
    .sort((a, b) => b.record.id.localeCompare(a.record.id));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('jointrain: no run to choose from.');
    return undefined;
  }
  // ignoreFocusOut: the Runs view redraws a live run's row at every epoch, and VS Code can move focus
  // as it replaces the row's action buttons, which closed the picker under the user's pointer.
  const picked = await vscode.window.showQuickPick(
    candidates.map((run) => ({ label: run.record.id, description: `${run.record.experimentName} · ${run.record.status}`, run })),
    { placeHolder: 'Which run?', ignoreFocusOut: true },
  );
  return picked?.run;
}

async function sendCommand(services: ExtensionServices, run: RunSummary, command: TrainerCommand): Promise<void> {
  const route = await services.trainers.send(run.record.id, command);
  services.log.info(`run ${run.record.id}: sent ${command.type} (${route === 'channel' ? 'over the channel' : 'through control.jsonl'})`);
}

/** Opens a run's training panel (see src/extension/panel). */
export interface RunPanelOpener {
  open(runId: string): void;
}

export function registerRunCommands(services: ExtensionServices, panels: RunPanelOpener): vscode.Disposable[] {
  const live = (run: RunSummary) => isLiveStatus(run.record.status);
  const control = (type: 'pause' | 'resume' | 'stop', filter: (run: RunSummary) => boolean) => async (argument: RunArgument) => {
    const run = await resolveRun(services, argument, filter);
    if (run) await sendCommand(services, run, { type });
  };
  return [
    vscode.commands.registerCommand(
      'jointrain.pauseRun',
      control('pause', (run) => run.record.status === 'running'),
    ),
    vscode.commands.registerCommand(
      'jointrain.resumeRun',
      control('resume', (run) => run.record.status === 'paused'),
    ),
    vscode.commands.registerCommand('jointrain.stopRun', control('stop', live)),
    vscode.commands.registerCommand('jointrain.setWeights', (argument: RunArgument, change?: WeightCommandChange) => setWeights(services, argument, change)),
    vscode.commands.registerCommand('jointrain.openRun', async (argument: RunArgument) => {
      const run = await resolveRun(services, argument);
      if (run) panels.open(run.record.id);
    }),
    vscode.commands.registerCommand('jointrain.revealRunFolder', async (argument: RunArgument) => {
      const run = await resolveRun(services, argument);
      if (run) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(join(run.dir, RUN_FILES.run)));
    }),
    vscode.commands.registerCommand('jointrain.openExperimentSnapshot', async (argument: RunArgument) => {
      const run = await resolveRun(services, argument);
      if (run) await vscode.window.showTextDocument(vscode.Uri.file(join(run.dir, RUN_FILES.experiment)), { preview: true });
    }),
    vscode.commands.registerCommand('jointrain.deleteRun', async (argument: RunArgument) => deleteRun(services, await resolveRun(services, argument))),
    vscode.commands.registerCommand('jointrain.refreshRuns', () => services.store.refreshAll()),
    vscode.commands.registerCommand('jointrain.resumeFromCheckpoint', async (argument: RunArgument) =>
      resumeFromCheckpoint(services, await resolveRun(services, argument, (run) => RESUMABLE.includes(run.record.status))),
    ),
  ];
}

/** Failed (crashed, killed, interrupted) and stopped runs continue from their newest checkpoint. */
const RESUMABLE = ['failed', 'stopped'];

async function resumeFromCheckpoint(services: ExtensionServices, run: RunSummary | undefined): Promise<void> {
  if (run === undefined) return;
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('jointrain: resuming a run trains on this workspace’s data, so it is only available in a trusted workspace.');
    return;
  }
  if (!RESUMABLE.includes(run.record.status)) {
    void vscode.window.showWarningMessage(`jointrain: run ${run.record.id} is ${run.record.status}; only failed or stopped runs resume from a checkpoint.`);
    return;
  }
  const node = await services.nodeRuntime();
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? run.dir;
  const launched = await services.trainers.resume(run, { trainerScript: services.trainerScript, node, cwd });
  services.log.info(`resuming run ${run.record.id} from its last checkpoint (pid ${launched.pid}); log: ${run.dir}/${RUN_FILES.trainerLog}`);
}

/** What `jointrain.setWeights` takes as its second argument, or what the user types: datasets left out keep their weights. */
type WeightCommandChange = { sampling?: Record<string, number>; loss?: Record<string, number>; augment?: string[] };

async function setWeights(services: ExtensionServices, argument: RunArgument, change?: WeightCommandChange): Promise<void> {
  const run = await resolveRun(services, argument, (summary) => isLiveStatus(summary.record.status));
  if (run === undefined) return;
  const current = currentWeights(run);
  let requested = change;
  if (requested === undefined) {
    const text = await vscode.window.showInputBox({
      title: `New weights for run ${run.record.id} (applied at the next epoch)`,
      value: JSON.stringify(current),
      prompt:
        'JSON: {"sampling": {dataset: weight}, "loss": {dataset: weight}, "augment": [image dataset with augment: auto]}; datasets left out keep their weights',
      validateInput: (value) => weightsProblem(value, current),
    });
    if (text === undefined) return;
    requested = JSON.parse(text) as typeof change;
  }
  const command = TrainerCommandSchema.safeParse({ type: 'set-weights', requestId: `host-${Date.now()}`, ...requested });
  const problem = command.success
    ? (weightChangeProblem(requested ?? {}, current) ?? augmentProblem(command.data.type === 'set-weights' ? (command.data.augment ?? []) : [], current))
    : command.error.issues[0]?.message;
  if (!command.success || problem !== undefined) {
    void vscode.window.showErrorMessage(`jointrain: invalid weights: ${problem ?? 'invalid'}`);
    return;
  }
  await sendCommand(services, run, command.data);
}

/**
 * The weights in force, from the last epoch's record; before the first epoch only the names are
 * known, and each counts as weighted (the trainer judges the change again when it applies it).
 */
function currentWeights(run: RunSummary): CurrentWeights {
  const datasets = Object.entries(run.lastEpoch?.datasets ?? {});
  if (datasets.length === 0) {
    const names = Object.fromEntries(run.record.datasets.map((d) => [d.name, 1]));
    return { sampling: names, loss: names };
  }
  return {
    sampling: Object.fromEntries(datasets.map(([name, m]) => [name, m.samplingWeight])),
    loss: Object.fromEntries(datasets.map(([name, m]) => [name, m.lossWeight])),
  };
}

async function deleteRun(services: ExtensionServices, run: RunSummary | undefined): Promise<void> {
  if (run === undefined) return;
  if (isLiveStatus(run.record.status)) {
    void vscode.window.showWarningMessage(`jointrain: run ${run.record.id} is ${run.record.status}; stop it before deleting it.`);
    return;
  }
  // A recursive delete: only of a folder that is plainly this run's, named after its id.
  if (basename(run.dir) !== run.record.id || !isValidRunId(run.record.id)) {
    void vscode.window.showErrorMessage(`jointrain: ${run.dir} is not named after run ${run.record.id}; delete it by hand if you mean to.`);
    return;
  }
  const choice = await vscode.window.showWarningMessage(`Delete run ${run.record.id} and its folder (checkpoints, metrics, model)?`, { modal: true }, 'Delete');
  if (choice !== 'Delete') return;
  await rm(run.dir, { recursive: true, force: true });
  services.log.info(`deleted run ${run.record.id} (${run.dir})`);
  await services.store.refreshAll();
}
