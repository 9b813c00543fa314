/**
 * Where an experiment's data really is. Data kept outside the workspace is allowed (users keep
 * datasets elsewhere), but it is said: each path that resolves — links followed — outside the
 * boundary gets a note at its field naming the real path, as a warning where reading it deserves a
 * second look (an untrusted or remote workspace).
 */
import type { ExperimentIssue } from '../experiment/issues';
import type { ExperimentLocator, FieldPath } from '../experiment/locate';
import { isLoadedModel, type Experiment } from '../experiment/schema';
import type { DataFiles } from './dataFiles';

export interface DataBoundary {
  /** The folder data is expected under (the workspace folder, or the experiment's own folder). */
  root: string;
  /** How it is named in messages: "the workspace", "the experiment's folder". */
  name: string;
  severity: 'info' | 'warning';
  /** Why a warning: appended to the message ("this workspace is not trusted"). */
  because?: string;
}

/** Every path the experiment reads, at its field. */
function dataPaths(experiment: Experiment): Array<{ field: FieldPath; path: string }> {
  const paths = experiment.datasets.flatMap((dataset, index) => [
    { field: ['datasets', index, 'path'] as FieldPath, path: dataset.path },
    ...('path' in dataset.validation ? [{ field: ['datasets', index, 'validation', 'path'] as FieldPath, path: dataset.validation.path }] : []),
  ]);
  return isLoadedModel(experiment.model) ? [...paths, { field: ['model', 'from'], path: experiment.model.from }] : paths;
}

export function isInside(path: string, root: string): boolean {
  const normal = (text: string) => text.replace(/\\/g, '/').replace(/\/+$/, '');
  const [child, parent] = [normal(path), normal(root)];
  return child === parent || child.startsWith(`${parent}/`);
}

/** A note (or warning) for each data path that resolves outside the boundary; none for paths that do not exist. */
export async function dataOutsideNotes(experiment: Experiment, at: ExperimentLocator, files: DataFiles, boundary: DataBoundary): Promise<ExperimentIssue[]> {
  const root = (await files.realPath(boundary.root)) ?? boundary.root;
  const notes = await Promise.all(
    dataPaths(experiment).map(async ({ field, path }) => {
      const real = await files.realPath(files.resolve(path));
      if (real === undefined || isInside(real, root)) return undefined;
      const message = `reads ${real}, outside ${boundary.name} (${root})${boundary.because ? `: ${boundary.because}` : ''}`;
      return at.issue(field, message, boundary.severity);
    }),
  );
  return notes.filter((note): note is ExperimentIssue => note !== undefined);
}

/**
 * The boundary an editor checks data against: the workspace folder (else the experiment's own). In
 * a workspace not trusted, or one whose files live on a remote machine, a note is a warning: the
 * experiment decides what the trainer reads, and there that deserves a second look.
 */
export function editorBoundary(where: { workspaceFolder?: string; experimentDir: string; trusted: boolean; remoteName?: string }): DataBoundary {
  const because = !where.trusted
    ? 'this workspace is not trusted, so check that you mean the trainer to read it'
    : where.remoteName !== undefined
      ? `the trainer reads it on the remote machine (${where.remoteName})`
      : undefined;
  return {
    root: where.workspaceFolder ?? where.experimentDir,
    name: where.workspaceFolder !== undefined ? 'the workspace' : "the experiment's folder",
    severity: because === undefined ? 'info' : 'warning',
    ...(because === undefined ? {} : { because }),
  };
}

/** The problems, then the notes of fields without an error of their own: beside an error, a note is noise. */
export function withNotes(problems: readonly ExperimentIssue[], notes: readonly ExperimentIssue[]): ExperimentIssue[] {
  const fieldsInError = new Set(problems.filter((issue) => issue.severity === 'error').map((issue) => JSON.stringify(issue.path)));
  return [...problems, ...notes.filter((note) => !fieldsInError.has(JSON.stringify(note.path)))];
}
