/**
 * The host's one owner of trainer processes. It starts trainers (new runs and resumed ones),
 * follows each until its channel is up, attaches to every live run it finds — including ones
 * started before a window reload or from the CLI with --channel — relays their messages, sends
 * them commands, and notices a trainer that ended without finishing: its run is then marked failed
 * with the tail of its log, so it is not shown as running forever.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '../../node/processLiveness';
import { markRunFailed } from '../../node/runRecord';
import type { TrainerCommand } from '../../shared/protocol/trainerCommands';
import type { TrainerMessage } from '../../shared/protocol/trainerMessages';
import { isLiveStatus, RUN_FILES } from '../../shared/runs/format';
import type { RunStore } from '../runs/runStore';
import { tailOf, type RunSummary } from '../runs/runSummary';
import type { NodeRuntime } from './nodeRuntime';
import { TrainerConnection } from './trainerConnection';
import { launchResume, launchTrainer, type LaunchRequest } from './trainerLauncher';

export interface TrainerEvents {
  onMessage: (runId: string, message: TrainerMessage) => void;
  onLog: (line: string) => void;
}

export interface SupervisorOptions {
  alive?: (pid: number) => boolean;
  /** How often a just-started trainer's folder is read until its channel is recorded, and for how long. */
  followPollMs?: number;
  followLimitMs?: number;
}

/** A trainer this host started: where it writes, its process, and when it ends. */
export interface StartedTrainer {
  runDir: string;
  pid: number;
  exited: Promise<number | null>;
}

const LOG_TAIL_LINES = 20;

export class TrainerSupervisor {
  private readonly connections = new Map<string, TrainerConnection>();
  private readonly connecting = new Set<string>();
  private readonly alive: (pid: number) => boolean;
  private readonly followPollMs: number;
  private readonly followLimitMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: RunStore,
    private readonly events: TrainerEvents,
    options: SupervisorOptions = {},
  ) {
    this.alive = options.alive ?? isProcessAlive;
    this.followPollMs = options.followPollMs ?? 200;
    this.followLimitMs = options.followLimitMs ?? 60_000;
  }

  /** Starts a trainer on a new run of an experiment and attaches to it as soon as it listens. */
  async start(request: LaunchRequest): Promise<StartedTrainer & { runId: string }> {
    const launched = await launchTrainer(request);
    this.supervise(launched, launched.runId);
    return launched;
  }

  /** Starts a trainer that continues `run` from its newest complete checkpoint. */
  async resume(run: RunSummary, request: { trainerScript: string; node: NodeRuntime; cwd: string }): Promise<StartedTrainer> {
    const launched = await launchResume({ runDir: run.dir, ...request });
    this.supervise(launched, run.record.id);
    return launched;
  }

  isConnected(runId: string): boolean {
    return this.connections.get(runId)?.isOpen === true;
  }

  /** Attaches to live runs not yet attached and marks dead ones failed. Safe to call often. */
  async reconcile(): Promise<void> {
    await Promise.all(this.store.all().map((run) => this.reconcileRun(run)));
  }

  /** Sends over the channel when attached; otherwise appends to control.jsonl, which every trainer polls. */
  async send(runId: string, command: TrainerCommand): Promise<'channel' | 'control-file'> {
    const connection = this.connections.get(runId);
    if (connection?.send(command)) return 'channel';
    const run = this.store.get(runId);
    if (run === undefined) throw new Error(`unknown run ${runId}`);
    await appendFile(join(run.dir, RUN_FILES.control), `${JSON.stringify(command)}\n`);
    return 'control-file';
  }

  /** A trainer ended: if its run still claims to be live, it crashed. */
  async trainerExited(runDir: string, exitCode: number | null): Promise<void> {
    const run = await this.store.refreshRun(runDir);
    if (run && isLiveStatus(run.record.status)) await this.markCrashed(run, exitCode);
  }

  dispose(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.connections.forEach((connection) => connection.close());
    this.connections.clear();
  }

  private supervise(trainer: StartedTrainer, label: string): void {
    void trainer.exited.then((code) => {
      this.events.onLog(`trainer of run ${label} (pid ${trainer.pid}) exited with code ${code}`);
      return this.trainerExited(trainer.runDir, code);
    });
    this.follow(trainer.runDir, trainer.pid);
  }

  /**
   * Reads a just-started trainer's folder until its own record (a resumed folder still holds the
   * previous trainer's) names its channel or says it is no longer running, then attaches.
   */
  private follow(runDir: string, pid: number): void {
    const started = Date.now();
    const check = async (): Promise<void> => {
      const found = await this.store.refreshRun(runDir);
      const run = found?.record.pid === pid ? found : undefined;
      if (run?.record.channel !== undefined || (run !== undefined && run.record.status !== 'running') || Date.now() - started > this.followLimitMs) {
        await this.reconcile();
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void check();
      }, this.followPollMs);
      this.timers.add(timer);
    };
    void check();
  }

  private async reconcileRun(run: RunSummary): Promise<void> {
    const { record } = run;
    if (!isLiveStatus(record.status) || this.isConnected(record.id) || this.connecting.has(record.id)) return;
    if (!this.alive(record.pid)) {
      await this.markCrashed(run, null);
      return;
    }
    if (record.channel === undefined) return;
    this.connecting.add(record.id);
    try {
      const connection = await TrainerConnection.open(record.channel.path, {
        onMessage: (message) => this.events.onMessage(record.id, message),
        onInvalid: (reason) => this.events.onLog(`run ${record.id}: ignored an invalid message from the trainer: ${reason}`),
        onClose: () => {
          this.connections.delete(record.id);
          void this.store.refreshRun(run.dir);
        },
      });
      this.connections.set(record.id, connection);
      this.events.onLog(`attached to run ${record.id} (pid ${record.pid})`);
    } catch (error) {
      this.events.onLog(`run ${record.id}: could not attach to ${record.channel.path}: ${(error as Error).message}`);
    } finally {
      this.connecting.delete(record.id);
    }
  }

  private async markCrashed(run: RunSummary, exitCode: number | null): Promise<void> {
    const lines = (await tailOf(join(run.dir, RUN_FILES.trainerLog), 64 * 1024)).trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
    const code = exitCode === null ? '' : ` with exit code ${exitCode}`;
    const error = `the trainer process (pid ${run.record.pid}) ended${code} without finishing the run${lines ? `; its last output:\n${lines}` : ''}`;
    if (await markRunFailed(run.dir, run.record.pid, error)) this.events.onLog(`run ${run.record.id} failed: ${error}`);
    await this.store.refreshRun(run.dir);
  }
}
