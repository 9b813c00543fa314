import { totalmem } from 'node:os';
import type { Document } from 'yaml';
import { localDataFiles } from '../../node/dataFiles';
import type { ExperimentIssue } from '../../shared/experiment/issues';
import type { ExperimentLocator } from '../../shared/experiment/locate';
import type { Experiment } from '../../shared/experiment/schema';
import { checkDatasetsOfInvalidExperiment, checkExperimentData } from '../../shared/language/checkExperimentData';
import { dataOutsideNotes, withNotes } from '../../shared/language/dataLocations';

/**
 * Checks that the files an experiment names exist and have the expected shape, positioned at the
 * field that names them. The checks are shared with the editor (src/shared/language); this gives
 * them the disk, with paths relative to the experiment's folder `dir`, and this machine's memory,
 * and notes where data is read from outside that folder.
 */
export async function checkExperimentFiles(experiment: Experiment, dir: string, at: ExperimentLocator): Promise<ExperimentIssue[]> {
  const files = localDataFiles(dir);
  const [problems, notes] = await Promise.all([
    checkExperimentData(experiment, at, files, { totalMemory: totalmem() }),
    // The CLI knows no workspace: data beside or below the experiment file is the expected place.
    dataOutsideNotes(experiment, at, files, { root: dir, name: "the experiment's folder", severity: 'info' }),
  ]);
  return withNotes(problems, notes);
}

/** The data checks of the datasets that are valid on their own, for a file whose experiment is not (one pass reports every problem). */
export function checkDatasetFilesOfInvalidExperiment(document: Document.Parsed, dir: string, at: ExperimentLocator): Promise<ExperimentIssue[]> {
  return checkDatasetsOfInvalidExperiment(document, at, localDataFiles(dir));
}
