import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import type { ExperimentIssue } from '../../shared/experiment/issues';
import type { FieldPath } from '../../shared/experiment/locate';
import type { ExperimentOverride } from '../../shared/experiment/overrides';
import { isError, parseExperiment, sortIssues, type ParsedExperiment } from '../../shared/experiment/parse';
import type { Experiment } from '../../shared/experiment/schema';
import { ExperimentError, UserError } from '../errors';
import { checkDatasetFilesOfInvalidExperiment, checkExperimentFiles } from './checkExperimentFiles';
import { decodeExperimentText } from './experimentText';

export type { ExperimentOverride } from '../../shared/experiment/overrides';

export interface LoadedExperiment {
  /** Absolute path of the experiment file. */
  file: string;
  /** Folder of the experiment file; paths in the experiment are relative to it. */
  dir: string;
  text: string;
  experiment: Experiment;
  /** `experiment.name`, or the file name without `.jointrain.yaml`. */
  name: string;
  /** Warnings (a loaded experiment has no errors). */
  issues: ExperimentIssue[];
  /** `file:line:col datasets[0].path`, for later messages about a field of this file. */
  place: (path: FieldPath) => string;
  /**
   * The field a message written as `${place(field)}: …` is about, and its words after the place;
   * undefined for a message that does not start with a place `place` gave.
   */
  placedField: (message: string) => { field: FieldPath; message: string } | undefined;
}

export interface LoadOptions {
  /** Changes to fields made on the command line; validated like the file itself. */
  overrides?: readonly ExperimentOverride[];
  /**
   * The experiment's text, when it is not the file's current content (a run's snapshot, resumed):
   * `file` then only places it, so relative paths resolve as they did when the run started.
   */
  text?: string;
}

/**
 * Reads, validates and checks the files of an experiment. Throws `ExperimentError` with every
 * positioned issue when any is an error, and `UserError` when the file cannot be read.
 */
export async function loadExperiment(file: string, options: LoadOptions = {}): Promise<LoadedExperiment> {
  const overrides = options.overrides ?? [];
  const { absolute, text: fileText, parsed, issues } = await inspectExperiment(file, overrides, options.text);
  // A run's snapshot must say what was trained: with overrides, that is the overridden document.
  const text = overrides.length > 0 ? parsed.document.toString() : fileText;
  const { experiment } = parsed;
  if (!experiment || issues.some(isError)) throw new ExperimentError(issues);
  return {
    file: absolute,
    dir: dirname(absolute),
    text,
    experiment,
    name: experiment.name ?? experimentNameOf(absolute),
    issues,
    ...placesOf(parsed.locator),
  };
}

/**
 * `place`, remembering each place it gave, and `placedField`, which finds a message's field among
 * them: the messages name a field by its place, and this reads the field back without parsing
 * the place's text (a file name may hold colons and digits).
 */
function placesOf(locator: ParsedExperiment['locator']): Pick<LoadedExperiment, 'place' | 'placedField'> {
  const given = new Map<string, FieldPath>();
  return {
    place: (path) => {
      const place = locator.place(path);
      given.set(place, path);
      return place;
    },
    placedField: (message) => {
      const place = [...given.keys()].filter((text) => message.startsWith(`${text}: `)).sort((a, b) => b.length - a.length)[0];
      return place === undefined ? undefined : { field: given.get(place) as FieldPath, message: message.slice(place.length + 2) };
    },
  };
}

/** Every error and warning of an experiment file, without throwing on them (the CLI's `validate`). */
export async function validateExperimentFile(file: string): Promise<ExperimentIssue[]> {
  try {
    return (await inspectExperiment(file, [])).issues;
  } catch (error) {
    // A file that is not UTF-8 text is refused as it is read, with the place of its first bad byte.
    if (error instanceof ExperimentError) return error.issues;
    throw error;
  }
}

async function inspectExperiment(
  file: string,
  overrides: readonly ExperimentOverride[],
  given?: string,
): Promise<{ absolute: string; text: string; parsed: ParsedExperiment; issues: ExperimentIssue[] }> {
  const absolute = resolve(file);
  const text = given ?? (await readExperimentText(absolute));
  const parsed = parseExperiment(text, displayPath(absolute), overrides);
  const fileIssues = parsed.experiment
    ? await checkExperimentFiles(parsed.experiment, dirname(absolute), parsed.locator)
    : await checkDatasetFilesOfInvalidExperiment(parsed.document, dirname(absolute), parsed.locator);
  return { absolute, text, parsed, issues: sortIssues([...parsed.issues, ...fileIssues]) };
}

/** The file's text; throws an `ExperimentError` at the first byte when it is not UTF-8. */
async function readExperimentText(file: string): Promise<string> {
  const decoded = decodeExperimentText(await readExperimentBytes(file), displayPath(file));
  if ('issue' in decoded) throw new ExperimentError([decoded.issue]);
  return decoded.text;
}

async function readExperimentBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UserError(`experiment file not found: ${file}`, 'check the path; experiment files are named like experiment.jointrain.yaml');
    if (code === 'EISDIR') throw new UserError(`${file} is a folder: pass an experiment file (*.jointrain.yaml)`);
    throw new UserError(`cannot read experiment file ${file}: ${(error as Error).message}`);
  }
}

function experimentNameOf(file: string): string {
  return basename(file).replace(/(\.jointrain)?\.ya?ml$/i, '');
}

/** The file as issues name it: relative to the working folder when inside it, so it stays short. */
function displayPath(absolute: string): string {
  const fromCwd = relative(process.cwd(), absolute);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : absolute;
}
