/**
 * "Install the native TensorFlow backend": runs npm in the extension's folder, where the trainer
 * resolves its packages, so that `backend: auto` picks tfjs-node (or tfjs-node-gpu) for new runs.
 * npm's output goes to the jointrain log and its last line to a cancellable progress notification;
 * a failure says why in words (offline, folder not writable, no npm) and what to do instead.
 */
import * as vscode from 'vscode';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NATIVE_PACKAGES, nativeBackendToOffer, type NativePackage } from '../../shared/runs/nativeBackendOffer';
import { isLiveStatus } from '../../shared/runs/format';
import type { RunSummary } from '../runs/runSummary';
import { MIN_NODE_MAJOR } from '../trainers/nodeRuntime';

export const INSTALL_NATIVE_BACKEND = 'jointrain.installNativeBackend';

export interface NpmRun {
  /** npm's exit code; null when it could not start or was stopped. */
  code: number | null;
  /** The last lines npm wrote (stdout and stderr), for the reason of a failure. */
  tail: string[];
  /** Why npm could not start (`spawn npm ENOENT`, …). */
  spawnError?: string;
}

export type NpmRunner = (args: readonly string[], cwd: string, onLine: (line: string) => void, signal: AbortSignal) => Promise<NpmRun>;

export interface NativeBackendInstall {
  /** The extension's folder: its node_modules holds the trainer's packages. */
  folder: string;
  /** The bundled tfjs version: the native package must match it. */
  tfjsVersion: string;
  runNpm: NpmRunner;
  log: { info(line: string): void; show(): void };
}

const DESCRIPTIONS: Record<NativePackage, string> = {
  '@tensorflow/tfjs-node': "TensorFlow's C library on the CPU, every core (Linux, macOS, Windows)",
  '@tensorflow/tfjs-node-gpu': 'NVIDIA GPUs on Linux; needs CUDA 11.2 and cuDNN 8.1 installed',
};

export function npmInstallArgs(pkg: NativePackage, tfjsVersion: string): string[] {
  // --omit=dev: an installed extension has no dev dependencies, and npm must not fetch them now.
  return ['install', '--no-save', '--omit=dev', '--no-audit', '--no-fund', `${pkg}@${tfjsVersion}`];
}

/** What to tell the user when npm failed, from its own words. */
export function installFailureHint(run: NpmRun, pkg: NativePackage, install: Pick<NativeBackendInstall, 'folder' | 'tfjsVersion'>): string {
  const manual = `npm install --no-save --omit=dev ${pkg}@${install.tfjsVersion}`;
  if (run.spawnError !== undefined) {
    return `npm could not be started (${run.spawnError}): install Node.js ${MIN_NODE_MAJOR}+ with npm, or run \`${manual}\` in ${install.folder} yourself.`;
  }
  const said = run.tail.join('\n');
  if (/EACCES|EPERM|EROFS/.test(said)) return `${install.folder} is not writable: run \`${manual}\` there with the rights to write it.`;
  if (/ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|getaddrinfo|network|proxy/i.test(said)) {
    return `npm needs the internet: registry.npmjs.org for the package, and storage.googleapis.com for TensorFlow's C library, which its install script downloads. Offline, keep training on wasm, or run \`${manual}\` on a machine of the same OS with internet and copy node_modules/@tensorflow here.`;
  }
  return `npm exited with code ${run.code ?? 'none'}: its output is in the jointrain log.`;
}

export async function installNativeBackend(install: NativeBackendInstall, preselected?: NativePackage): Promise<'installed' | 'cancelled' | 'failed'> {
  const pkg = preselected ?? (await pickPackage());
  if (pkg === undefined) return 'cancelled';
  const confirm = await vscode.window.showWarningMessage(
    `Install ${pkg}@${install.tfjsVersion}?`,
    {
      modal: true,
      detail: `npm installs it into ${install.folder}, downloading it and TensorFlow's C library (a few hundred MB) from the internet. New runs with backend auto use it before wasm; ${DESCRIPTIONS[pkg]}.`,
    },
    'Install',
  );
  if (confirm !== 'Install') return 'cancelled';
  const args = npmInstallArgs(pkg, install.tfjsVersion);
  install.log.info(`installing ${pkg}: npm ${args.join(' ')} (in ${install.folder})`);
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `jointrain: installing ${pkg}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return install.runNpm(
        args,
        install.folder,
        (line) => {
          install.log.info(`npm: ${line}`);
          progress.report({ message: line.length > 80 ? `${line.slice(0, 79)}…` : line });
        },
        abort.signal,
      );
    },
  );
  if (run.code === 0) {
    void vscode.window.showInformationMessage(`jointrain: ${pkg} is installed. New runs with backend auto use it; running ones keep their backend.`);
    return 'installed';
  }
  if (run.code === null && run.spawnError === undefined) {
    void vscode.window.showInformationMessage(`jointrain: installing ${pkg} was cancelled.`);
    return 'cancelled';
  }
  const choice = await vscode.window.showErrorMessage(`jointrain: installing ${pkg} failed. ${installFailureHint(run, pkg, install)}`, 'Show log');
  if (choice === 'Show log') install.log.show();
  return 'failed';
}

async function pickPackage(): Promise<NativePackage | undefined> {
  const picked = await vscode.window.showQuickPick(
    NATIVE_PACKAGES.map((pkg) => ({ label: pkg, description: DESCRIPTIONS[pkg], pkg })),
    { placeHolder: 'Which native TensorFlow backend?' },
  );
  return picked?.pkg;
}

/** npm as a child process: every output line to `onLine`, the last 20 kept for the failure's reason. */
export const spawnNpm: NpmRunner = (args, cwd, onLine, signal) =>
  new Promise((resolve) => {
    const tail: string[] = [];
    const child = spawn('npm', [...args], { cwd, signal, shell: process.platform === 'win32', env: { ...process.env, npm_config_progress: 'false' } });
    const take = (line: string) => {
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      onLine(line);
    };
    createInterface({ input: child.stdout }).on('line', take);
    createInterface({ input: child.stderr }).on('line', take);
    let spawnError: string | undefined;
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name !== 'AbortError') spawnError = error.message;
    });
    child.on('close', (code) => resolve({ code: signal.aborted ? null : code, tail, ...(spawnError !== undefined ? { spawnError } : {}) }));
  });

/** Remembers "Don't ask again" across windows. */
export const NATIVE_OFFER_DISMISSED = 'jointrain.nativeBackendOffer.dismissed';

/**
 * Offers the native backend once per window, when a live run fell back to wasm or cpu because
 * tfjs-node is not installed; "Don't ask again" is kept in the extension's global state.
 */
export class NativeBackendOffer {
  private offered = false;

  constructor(private readonly state: Pick<vscode.Memento, 'get' | 'update'>) {}

  onRunsChanged(changed: readonly RunSummary[]): void {
    if (this.offered || this.state.get<boolean>(NATIVE_OFFER_DISMISSED) === true) return;
    const run = changed.find((candidate) => isLiveStatus(candidate.record.status) && nativeBackendToOffer(candidate.record.backend) !== undefined);
    const pkg = nativeBackendToOffer(run?.record.backend);
    if (run === undefined || pkg === undefined) return;
    this.offered = true;
    void vscode.window
      .showInformationMessage(
        `jointrain: run ${run.record.id} trains on ${run.record.backend?.name}, because ${pkg} is not installed. It runs TensorFlow's C library on every core.`,
        'Install…',
        "Don't ask again",
      )
      .then(async (choice) => {
        if (choice === 'Install…') await vscode.commands.executeCommand(INSTALL_NATIVE_BACKEND, pkg);
        if (choice === "Don't ask again") await this.state.update(NATIVE_OFFER_DISMISSED, true);
      });
  }
}
