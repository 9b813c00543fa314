/**
 * Reads what a run folder's JSON Lines files gained since the last read. The trainer appends while
 * we read, so only whole lines are taken; a torn last line is read again next time.
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseExperiment } from '../../shared/experiment/parse';
import { parseEvents, parseMetrics } from '../../shared/runs/readRecords';
import { RUN_FILES, type MetricRecord, type RunEvent } from '../../shared/runs/format';
import type { ExperimentDefaults } from '../../shared/panel/runView';

export class RunFolderTail {
  private offsets = { metrics: 0, events: 0 };

  constructor(private readonly dir: string) {}

  /** Starts over from the beginning of both files (for a snapshot). */
  rewind(): void {
    this.offsets = { metrics: 0, events: 0 };
  }

  async readNew(): Promise<{ metrics: MetricRecord[]; events: RunEvent[] }> {
    const metrics = await this.readLines('metrics');
    const events = await this.readLines('events');
    return { metrics: parseMetrics(metrics), events: parseEvents(events) };
  }

  private async readLines(file: 'metrics' | 'events'): Promise<string> {
    let handle;
    try {
      handle = await open(join(this.dir, RUN_FILES[file]), 'r');
    } catch {
      return '';
    }
    try {
      const { size } = await handle.stat();
      const start = this.offsets[file];
      if (size <= start) return '';
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const end = buffer.lastIndexOf(0x0a);
      if (end < 0) return '';
      this.offsets[file] = start + end + 1;
      return buffer.subarray(0, end + 1).toString('utf8');
    } finally {
      await handle.close();
    }
  }
}

/** The run's mixing strategy and starting weights, from its experiment snapshot; undefined when unreadable. */
export async function readExperimentDefaults(dir: string): Promise<ExperimentDefaults | undefined> {
  try {
    const text = await readFile(join(dir, RUN_FILES.experiment), 'utf8');
    const experiment = parseExperiment(text, RUN_FILES.experiment).experiment;
    if (experiment === undefined) return undefined;
    return {
      mixing: { strategy: experiment.mixing.strategy, temperature: experiment.mixing.temperature },
      weights: {
        sampling: Object.fromEntries(experiment.datasets.map((d) => [d.name, d.sampling_weight])),
        loss: Object.fromEntries(experiment.datasets.map((d) => [d.name, d.loss_weight])),
      },
      balancer: { type: experiment.training.balancer.type, mode: experiment.training.balancer.mode },
      schedules: {
        sampling: Object.fromEntries(experiment.datasets.flatMap((d) => (d.sampling_weight_schedule ? [[d.name, d.sampling_weight_schedule]] : []))),
        loss: Object.fromEntries(experiment.datasets.flatMap((d) => (d.loss_weight_schedule ? [[d.name, d.loss_weight_schedule]] : []))),
        ...(experiment.mixing.temperature_schedule ? { temperature: experiment.mixing.temperature_schedule } : {}),
        learningRate: {
          base: experiment.training.optimizer.learning_rate,
          ...(experiment.training.lr_schedule ? { schedule: experiment.training.lr_schedule } : {}),
        },
      },
    };
  } catch {
    return undefined;
  }
}
