/**
 * Keeps the host attached to every live run: connects to the channel of each running trainer
 * (including ones started before a window reload, or from the CLI with --channel), relays its
 * messages, sends commands, and notices a trainer that died without finishing — its run is then
 * marked failed with the tail of its log, so it is not shown as running forever.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from '../../node/atomicWrite';
import { isProcessAlive } from '../../node/processLiveness';
import type { TrainerCommand } from '../../shared/protocol/trainerCommands';
import type { TrainerMessage } from '../../shared/protocol/trainerMessages';
import { isLiveStatus, RUN_FILES, type RunRecord } from '../../shared/runs/format';
import { TrainerConnection } from './trainerConnection';
import type { RunStore } from './runStore';
import { tailOf, type RunSummary } from './runSummary';

export interface RunManagerEvents {
  onMessage: (runId: string, message: TrainerMessage) => void;
  onLog: (line: string) => void;
}

const LOG_TAIL_LINES = 20;

export class RunManager {
  private readonly connections = new Map<string, TrainerConnection>();
  private readonly connecting = new Set<string>();

  constructor(
    private readonly store: RunStore,
    private readonly events: RunManagerEvents,
    private readonly alive: (pid: number) => boolean = isProcessAlive,
  ) {}

  isConnected(runId: string): boolean {
    return this.connections.get(runId)?.isOpen === true;
  }

  /** Attaches to live runs not yet attached and marks dead ones failed. Safe to call often. */
  async reconcile(): Promise<void> {
    await Promise.all(this.store.all().map((run) => this.reconcileRun(run)));
  }

  /** A trainer this host spawned ended: if its run still claims to be live, it crashed. */
  trainerExited(runDir: string, exitCode: number | null): void {
    this.store.refreshRun(runDir);
    const run = this.store.all().find((summary) => summary.dir === runDir);
    if (run && isLiveStatus(run.record.status)) this.markCrashed(run, exitCode);
  }

  /** Sends over the channel when attached; otherwise appends to control.jsonl, which every trainer polls. */
  send(runId: string, command: TrainerCommand): 'channel' | 'control-file' {
    const connection = this.connections.get(runId);
    if (connection?.send(command)) return 'channel';
    const run = this.store.get(runId);
    if (run === undefined) throw new Error(`unknown run ${runId}`);
    appendFileSync(join(run.dir, RUN_FILES.control), `${JSON.stringify(command)}\n`);
    return 'control-file';
  }

  dispose(): void {
    this.connections.forEach((connection) => connection.close());
    this.connections.clear();
  }

  private async reconcileRun(run: RunSummary): Promise<void> {
    const { record } = run;
    if (!isLiveStatus(record.status) || this.isConnected(record.id) || this.connecting.has(record.id)) return;
    if (!this.alive(record.pid)) {
      this.markCrashed(run, null);
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
          this.store.refreshRun(run.dir);
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

  private markCrashed(run: RunSummary, exitCode: number | null): void {
    const lines = tailOf(join(run.dir, RUN_FILES.trainerLog), 64 * 1024).trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
    const code = exitCode === null ? '' : ` with exit code ${exitCode}`;
    const error = `the trainer process (pid ${run.record.pid}) ended${code} without finishing the run${lines ? `; its last output:\n${lines}` : ''}`;
    const record: RunRecord = { ...run.record, status: 'failed', error, timings: { ...run.record.timings, endedAt: new Date().toISOString() } };
    const path = join(run.dir, RUN_FILES.run);
    writeAtomically(path, `${JSON.stringify(record, null, 2)}\n`);
    this.events.onLog(`run ${run.record.id} failed: ${error}`);
    this.store.refreshRun(run.dir);
  }
}
