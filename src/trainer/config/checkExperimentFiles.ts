import { totalmem } from 'node:os';
import type { Document } from 'yaml';
import { localDataFiles } from '../../node/dataFiles';
import type { ExperimentIssue } from '../../shared/experiment/issues';
import type { ExperimentLocator } from '../../shared/experiment/locate';
import type { Experiment } from '../../shared/experiment/schema';
import { checkDatasetsOfInvalidExperiment, checkExperimentData } from '../../shared/language/checkExperimentData';

/**
 * Checks that the files an experiment names exist and have the expected shape, positioned at the
 * field that names them. The checks are shared with the editor (src/shared/language); this gives
 * them the disk, with paths relative to the experiment's folder `dir`, and this machine's memory.
 */
export function checkExperimentFiles(experiment: Experiment, dir: string, at: ExperimentLocator): Promise<ExperimentIssue[]> {
  return checkExperimentData(experiment, at, localDataFiles(dir), { totalMemory: totalmem() });
}

/** The data checks of the datasets that are valid on their own, for a file whose experiment is not (one pass reports every problem). */
export function checkDatasetFilesOfInvalidExperiment(document: Document.Parsed, dir: string, at: ExperimentLocator): Promise<ExperimentIssue[]> {
  return checkDatasetsOfInvalidExperiment(document, at, localDataFiles(dir));
}
