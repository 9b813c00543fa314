/**
 * Writes one run folder. run.json is replaced atomically (temp + rename) so readers never see a
 * torn record; metrics and events are JSON Lines appended whole, so a reader can always parse up
 * to the last complete line.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RUN_FILES, RUN_FORMAT_VERSION, type MetricRecord, type RunEvent, type RunRecord } from '../../shared/runs/format';
import { writeAtomically } from './modelFiles';

export function createRunId(experimentName: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = experimentName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  const suffix = Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
  return `${stamp}-${slug}-${suffix}`;
}

export class RunFolder {
  private readonly metricsFd: number;
  private readonly eventsFd: number;
  private pendingMetrics: string[] = [];

  private constructor(
    readonly dir: string,
    public record: RunRecord,
  ) {
    this.metricsFd = openSync(join(dir, RUN_FILES.metrics), 'a');
    this.eventsFd = openSync(join(dir, RUN_FILES.events), 'a');
    writeAtomically(join(dir, RUN_FILES.run), `${JSON.stringify(this.record, null, 2)}\n`);
  }

  /** `experimentText` is the snapshot: exactly what was validated (overrides included). */
  static create(runsDir: string, experimentPath: string, experimentText: string, experimentName: string, seed: number, totalEpochs: number): RunFolder {
    let id = createRunId(experimentName);
    while (existsSync(join(runsDir, id))) id = createRunId(experimentName);
    const dir = join(runsDir, id);
    mkdirSync(join(dir, RUN_FILES.checkpoints), { recursive: true });
    writeAtomically(join(dir, RUN_FILES.experiment), experimentText);
    return new RunFolder(dir, {
      formatVersion: RUN_FORMAT_VERSION,
      id,
      experimentName,
      experimentPath,
      status: 'running',
      pid: process.pid,
      seed,
      epochs: { total: totalEpochs, completed: 0 },
      timings: { startedAt: new Date().toISOString() },
      datasets: [],
      heads: {},
    });
  }

  get id(): string {
    return basename(this.dir);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  update(change: Partial<RunRecord>): void {
    this.record = { ...this.record, ...change };
    writeAtomically(join(this.dir, RUN_FILES.run), `${JSON.stringify(this.record, null, 2)}\n`);
  }

  /** Buffered: step records are written in groups and always by `flushMetrics` at epoch ends. */
  appendMetric(record: MetricRecord): void {
    this.pendingMetrics.push(JSON.stringify(record));
    if (record.kind === 'epoch' || this.pendingMetrics.length >= 100) this.flushMetrics();
  }

  flushMetrics(): void {
    if (this.pendingMetrics.length === 0) return;
    writeSync(this.metricsFd, `${this.pendingMetrics.join('\n')}\n`);
    this.pendingMetrics = [];
  }

  appendEvent(event: RunEvent): void {
    writeSync(this.eventsFd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    this.flushMetrics();
    closeSync(this.metricsFd);
    closeSync(this.eventsFd);
  }
}
