/**
 * Starts a trainer as its own detached process: a training run must not die with the window, and
 * it talks to whichever window is open over the channel recorded in its run folder. Output goes
 * to the run's trainer.log, kept for crash reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createRunId, RUN_FILES } from '../../shared/runs/format';
import type { NodeRuntime } from './nodeRuntime';

export interface LaunchRequest {
  experimentFile: string;
  runsDir: string;
  /** The bundled trainer, `<extension>/dist/trainer.js`. */
  trainerScript: string;
  node: NodeRuntime;
  backend?: string;
  cwd: string;
}

export interface LaunchedTrainer {
  runId: string;
  runDir: string;
  pid: number;
  /** Resolves with the exit code when the process ends (while this host lives). */
  exited: Promise<number | null>;
}

export async function launchTrainer(request: LaunchRequest): Promise<LaunchedTrainer> {
  const runId = createRunId(basename(request.experimentFile).replace(/(\.jointrain)?\.ya?ml$/i, ''));
  const runDir = join(request.runsDir, runId);
  await mkdir(runDir, { recursive: true });
  const args = [request.trainerScript, 'run', request.experimentFile, '--run-id', runId, '--runs-dir', request.runsDir, '--channel', '--quiet'];
  if (request.backend && request.backend !== 'auto') args.push('--backend', request.backend);
  const { child, exited } = await spawnDetached(request.node, args, runDir, request.cwd);
  return { runId, runDir, pid: child.pid ?? -1, exited };
}

/** The trainer, detached, its output appended to the run's trainer.log. */
async function spawnDetached(node: NodeRuntime, args: string[], runDir: string, cwd: string): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const log = await open(join(runDir, RUN_FILES.trainerLog), 'a');
  try {
    const child = spawn(node.command, args, {
      cwd,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, ...node.env },
      windowsHide: true,
    });
    // Listening before anything else is awaited: a trainer that fails at once still reports its exit.
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    child.unref();
    return { child, exited };
  } finally {
    await log.close();
  }
}

/** Starts a trainer that resumes a run folder from its newest complete checkpoint (`jointrain resume`). */
export async function launchResume(request: {
  runDir: string;
  trainerScript: string;
  node: NodeRuntime;
  cwd: string;
}): Promise<Omit<LaunchedTrainer, 'runId'>> {
  const { child, exited } = await spawnDetached(
    request.node,
    [request.trainerScript, 'resume', request.runDir, '--channel', '--quiet'],
    request.runDir,
    request.cwd,
  );
  return { runDir: request.runDir, pid: child.pid ?? -1, exited };
}
