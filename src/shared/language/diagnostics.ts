import type { ExperimentIssue } from '../experiment/issues';
import { parseExperiment } from '../experiment/parse';
import { ExperimentSchema } from '../experiment/schema';
import { checkDatasetsOfInvalidExperiment, checkExperimentData } from './checkExperimentData';
import { plainData } from './cursor';
import type { DataFiles } from './dataFiles';
import { dataOutsideNotes, withNotes, type DataBoundary } from './dataLocations';

export interface EditorIssueOptions {
  /**
   * Another extension (Red Hat YAML, through `yamlValidation`) already reports YAML syntax and
   * schema problems: report only the checks across fields it cannot make.
   */
  schemaCheckedElsewhere: boolean;
}

/** The problems to show while an experiment file is edited: the CLI's own parse and checks, nothing else. */
export function editorIssues(text: string, file: string, options: EditorIssueOptions): ExperimentIssue[] {
  const parsed = parseExperiment(text, file);
  if (!options.schemaCheckedElsewhere) return parsed.issues;
  const passedSchema = parsed.document.errors.length === 0 && ExperimentSchema.safeParse(plainData(parsed.document)).success;
  return passedSchema ? parsed.issues.filter((issue) => !issue.message.startsWith('YAML')) : [];
}

/**
 * The problems of the text as typed that only the files it names reveal (missing folders, CSV
 * columns, sample shapes), as the CLI's `validate` finds them; none while the text has errors of
 * its own, as there. With a `boundary`, also a note for each data path outside it.
 */
export async function dataIssues(text: string, file: string, files: DataFiles, boundary?: DataBoundary): Promise<ExperimentIssue[]> {
  const parsed = parseExperiment(text, file);
  if (parsed.experiment === undefined) return checkDatasetsOfInvalidExperiment(parsed.document, parsed.locator, files);
  const [problems, notes] = await Promise.all([
    checkExperimentData(parsed.experiment, parsed.locator, files),
    boundary === undefined ? [] : dataOutsideNotes(parsed.experiment, parsed.locator, files, boundary),
  ]);
  return withNotes(problems, notes);
}
