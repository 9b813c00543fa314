/**
 * "New joint-training experiment": the user picks data folders and CSV files (several at once from
 * the palette, or selected in the explorer); the trainer's `scaffold` command finds the datasets in
 * them (a parent of datasets, dataset folders, train/val split folders, class folders, CSV files),
 * inspects them (classes, image sizes and channels with sharp, CSV columns — one implementation,
 * shared with the CLI) and writes the experiment's text, which is saved where the user chooses.
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { z } from 'zod';
import type { NodeRuntime } from '../trainers/nodeRuntime';
import type { ExtensionServices } from '../services';

const ScaffoldOutputSchema = z.union([
  z.object({ text: z.string() }),
  /** A folder of class folders beside datasets: the trainer does not guess, the user chooses. */
  z.object({ ambiguous: z.object({ path: z.string(), classes: z.array(z.string()), datasets: z.array(z.string()) }) }),
]);
type ScaffoldOutput = z.infer<typeof ScaffoldOutputSchema>;
type Ambiguity = Extract<ScaffoldOutput, { ambiguous: unknown }>['ambiguous'];
const EXTENSION = '.jointrain.yaml';

export async function newExperiment(services: ExtensionServices, clicked?: vscode.Uri, selected?: readonly vscode.Uri[]): Promise<vscode.Uri | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('jointrain: creating an experiment reads the data with the trainer, which runs only in a trusted workspace.');
    return undefined;
  }
  const sources = selected?.length ? [...selected] : clicked ? [clicked] : await pickSources();
  if (!sources?.length) return undefined;
  const target = await pickTarget(sources[0]);
  if (!target) return undefined;
  const name = basename(target.fsPath, EXTENSION);
  try {
    const node = await services.nodeRuntime();
    const scaffold = (ignoreClassFolders: boolean) =>
      runScaffold(node, services.trainerScript, {
        paths: sources.map((uri) => uri.fsPath),
        experimentDir: dirname(target.fsPath),
        name,
        ignoreClassFolders,
      });
    let output = await scaffold(false);
    if ('ambiguous' in output) {
      if (!(await useDatasetsOnly(output.ambiguous))) return undefined;
      output = await scaffold(true);
    }
    if (!('text' in output)) throw new Error(`${output.ambiguous.path} is still ambiguous`);
    const { text } = output;
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    await vscode.window.showTextDocument(target);
    services.log.info(`wrote ${vscode.workspace.asRelativePath(target)} for ${sources.length} data source(s)`);
    return target;
  } catch (error) {
    void vscode.window.showErrorMessage(`jointrain: ${(error as Error).message}`);
    return undefined;
  }
}

function pickSources(): Thenable<vscode.Uri[] | undefined> {
  return vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: true,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    openLabel: 'Use as datasets',
    title: 'Pick your data: a folder of datasets, dataset folders (class subfolders, or train/val splits of them), or CSV files',
  });
}

async function pickTarget(near: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? (near ? vscode.Uri.joinPath(near, '..') : undefined);
  const chosen = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, `experiment${EXTENSION}`) : undefined,
    filters: { 'jointrain experiment': ['yaml'] },
    title: 'Save the new joint-training experiment as',
    saveLabel: 'Create experiment',
  });
  if (!chosen || chosen.path.endsWith(EXTENSION)) return chosen;
  return chosen.with({ path: `${chosen.path.replace(/\.ya?ml$/, '')}${EXTENSION}` });
}

/**
 * A picked folder holds class folders of images beside dataset folders: either could be meant, so
 * the user says. The class folders cannot become one dataset with the others inside it, so the
 * choice is to use the datasets without them, or to stop and pick again.
 */
async function useDatasetsOnly(ambiguous: Ambiguity): Promise<boolean> {
  const list = (names: readonly string[]) => (names.length > 4 ? `${names.slice(0, 4).join(', ')}, …` : names.join(', '));
  const folder = basename(ambiguous.path);
  const picked = await vscode.window.showQuickPick(
    [
      {
        label: `Use the datasets: ${list(ambiguous.datasets)}`,
        detail: `Leave out ${list(ambiguous.classes)} (class folders of images directly in ${folder})`,
        use: true,
      },
      {
        label: 'Cancel and pick the folders myself',
        detail: `To train on ${list(ambiguous.classes)}, move ${ambiguous.classes.length === 1 ? 'it' : 'them'} into a dataset folder first`,
        use: false,
      },
    ],
    { title: `${folder} holds both dataset folders and class folders of images`, placeHolder: 'How should jointrain read it?', ignoreFocusOut: true },
  );
  return picked?.use ?? false;
}

interface ScaffoldRequest {
  paths: readonly string[];
  experimentDir: string;
  name: string;
  ignoreClassFolders: boolean;
}

function runScaffold(node: NodeRuntime, trainerScript: string, request: ScaffoldRequest): Promise<ScaffoldOutput> {
  const { paths, experimentDir, name } = request;
  const args = [
    trainerScript,
    'scaffold',
    '--json',
    '--relative-to',
    experimentDir,
    '--name',
    name,
    ...(request.ignoreClassFolders ? ['--ignore-class-folders'] : []),
    ...paths,
  ];
  return new Promise((resolve, reject) => {
    execFile(node.command, args, { cwd: experimentDir, env: { ...process.env, ...node.env }, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      const parsed = ScaffoldOutputSchema.safeParse(parseJson(stdout));
      if (parsed.success) resolve(parsed.data);
      else reject(new Error(`could not inspect the data: ${(stderr || error?.message || 'no output').trim()}`));
    });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
