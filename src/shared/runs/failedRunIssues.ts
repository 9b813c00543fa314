/**
 * The problem a run failed on, as an error on the experiment file at the field it is about (a
 * dataset's `path` whose data a run could not use, a class weight for a class the data lacks),
 * for as long as that run is the newest of its experiment.
 */
import type { ExperimentIssue } from '../experiment/issues';
import { parseExperiment } from '../experiment/parse';
import type { RunRecord } from './format';

export function failedRunIssues(experimentText: string, file: string, record: Pick<RunRecord, 'id' | 'status' | 'errorAt'>): ExperimentIssue[] {
  const at = record.errorAt;
  if (record.status !== 'failed' || at === undefined) return [];
  const { locator } = parseExperiment(experimentText, file);
  return [locator.issue(at.field, `run ${record.id} failed: ${at.message}${at.hint ? ` — ${at.hint}` : ''}`, 'error')];
}
