/**
 * The run a panel draws over its own: its folder is read incrementally, so a compared run that is
 * still training is followed at the cost of what it appended, not of its whole history.
 */
import { comparedRun, type ComparedRun } from '../../shared/panel/comparison';
import { downsampleCurves, emptyRunView, foldRecords, type RunView } from '../../shared/panel/runView';
import type { RunRecord } from '../../shared/runs/format';
import { RunFolderTail } from './runFolderTail';

export class ComparedRunReader {
  private readonly tail: RunFolderTail;
  private view: RunView | undefined;

  constructor(
    readonly runId: string,
    dir: string,
  ) {
    this.tail = new RunFolderTail(dir);
  }

  /** The curves as of now, downsampled for the panel; `record` is the run's current run.json. */
  async read(record: RunRecord): Promise<ComparedRun> {
    const view = (this.view ??= emptyRunView(record));
    const { metrics, events } = await this.tail.readNew();
    foldRecords(view, metrics, events);
    // Downsample a copy: the kept view goes on gaining points at full resolution.
    return comparedRun(downsampleCurves({ ...view, curves: structuredClone(view.curves) }));
  }
}
