/**
 * What a run could not read, as problems on the experiment file: a warning at each dataset's
 * `path` with how many files or rows were skipped, per class, and the first reasons. The newest
 * run of an experiment speaks for it.
 */
import type { ExperimentIssue } from '../experiment/issues';
import { parseExperiment } from '../experiment/parse';
import type { RunRecord } from './format';

const LISTED_REASONS = 3;

export function skippedIssues(experimentText: string, file: string, record: Pick<RunRecord, 'id' | 'datasets'>): ExperimentIssue[] {
  const { experiment, locator } = parseExperiment(experimentText, file);
  if (experiment === undefined) return [];
  return record.datasets.flatMap((report) => {
    const index = experiment.datasets.findIndex((dataset) => dataset.name === report.name);
    if (index < 0 || report.skipped.count === 0) return [];
    const byClass = Object.entries(report.skipped.byClass)
      .map(([name, count]) => `${name}: ${count}`)
      .join(', ');
    const reasons = report.skipped.items
      .slice(0, LISTED_REASONS)
      .map((item) => `${item.file} (${item.reason})`)
      .join('; ');
    const more = report.skipped.count > LISTED_REASONS ? `; ${report.skipped.count - LISTED_REASONS} more in run.json` : '';
    const unit = report.type === 'csv' ? 'row' : 'file';
    const message = `run ${record.id} skipped ${report.skipped.count} ${unit}${report.skipped.count === 1 ? '' : 's'} of dataset ${report.name}${byClass ? ` (${byClass})` : ''}: ${reasons}${more}`;
    return [locator.issue(['datasets', index, 'path'], message, 'warning')];
  });
}
