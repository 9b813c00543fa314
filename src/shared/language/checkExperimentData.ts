import { csvHeaderColumns } from '../experiment/csvHeader';
import type { ExperimentIssue } from '../experiment/issues';
import type { ExperimentLocator, FieldPath } from '../experiment/locate';
import { checkModelFits, stemInputShapes } from '../experiment/modelSize';
import { DatasetSchema, isLoadedModel, type CsvDatasetSpec, type Experiment, type ImageDatasetSpec } from '../experiment/schema';
import { closestName, didYouMean } from '../experiment/suggest';
import { classFolders, readFirstLines, readSmallText, type DataFiles, type UnreadEntry } from './dataFiles';
import { readModelInputs, type InputShape } from './modelInputs';
import { checkInputIndices, checkStemEnds, checkStemShapes } from './stemShapes';
import type { Document } from 'yaml';

const RELATIVE_HINT = 'paths are relative to the experiment file';
/** A model.json holds the topology and the weights manifest, not the weights: far below this. */
const MODEL_JSON_LIMIT = 32 * 1024 * 1024;

/**
 * Checks that the files an experiment names exist and have the expected shape, positioned at the
 * field that names them: the CLI's `validate` and the editor's problems both come from here. Only
 * the structure is checked (folders, class subfolders, the CSV header, a loaded model's inputs);
 * reading the data itself belongs to the trainer's data layer.
 */
export async function checkExperimentData(
  experiment: Experiment,
  at: ExperimentLocator,
  files: DataFiles,
  machine?: { totalMemory: number },
): Promise<ExperimentIssue[]> {
  const datasetChecks = Promise.all(
    experiment.datasets.map((dataset, index): Promise<DatasetCheck> =>
      dataset.type === 'images'
        ? checkImageDataset(dataset, ['datasets', index], at, files).then((issues) => ({ issues, sampleShape: imageSampleShape(dataset) }))
        : checkCsvDataset(dataset, ['datasets', index], at, files),
    ),
  );
  const modelCheck = checkModelFile(experiment, at, files);
  const datasets = await datasetChecks;
  const model = await modelCheck;
  const sampleShapes = datasets.map((check) => check.sampleShape);
  const stemIssues = checkStemShapes(experiment, sampleShapes, at, model.inputs);
  const inputShapes = stemInputShapes(experiment, sampleShapes);
  // Stems whose inputs already conflict are reported there; their ends would only repeat it.
  const endIssues = stemIssues.length > 0 ? [] : checkStemEnds(experiment, inputShapes, at);
  // Where the machine is known (the trainer's checks), a model that cannot fit in its memory is refused here, naming the field.
  const sizeIssues = machine === undefined ? [] : checkModelFits(experiment, inputShapes, machine.totalMemory, at);
  return [...datasets.flatMap((check) => check.issues), ...model.issues, ...stemIssues, ...endIssues, ...sizeIssues];
}

/** A dataset's file problems and, when its files allow it to be known, the shape of one sample. */
interface DatasetCheck {
  issues: ExperimentIssue[];
  sampleShape?: number[];
}

function imageSampleShape(dataset: ImageDatasetSpec): number[] {
  return [...dataset.image.size, dataset.image.channels];
}

/** A loaded model's file problems and, when its model.json tells, the shapes of its inputs. */
async function checkModelFile(
  experiment: Experiment,
  at: ExperimentLocator,
  files: DataFiles,
): Promise<{ issues: ExperimentIssue[]; inputs?: Array<InputShape | undefined> }> {
  const { model } = experiment;
  if (!isLoadedModel(model)) return { issues: [] };
  const file = files.resolve(model.from);
  const entry = await files.entryAt(file);
  if (entry !== 'file') {
    const problem =
      entry === 'missing'
        ? `model file not found: ${file} (${RELATIVE_HINT})`
        : entry === 'special'
          ? `${file} is not a regular file (a device, pipe or socket): \`from\` names a TensorFlow.js model.json file`
          : `${file} is a folder: \`from\` names a TensorFlow.js model.json file`;
    return { issues: [at.issue(['model', 'from'], problem)] };
  }
  const text = await readSmallText(file, MODEL_JSON_LIMIT, files);
  if (text === undefined) return { issues: [] };
  const { inputs, problem } = readModelInputs(text);
  if (problem !== undefined) return { issues: [at.issue(['model', 'from'], `${file} ${problem}`)] };
  if (inputs === undefined) return { issues: [] };
  return { issues: checkInputIndices(experiment, inputs.length, file, at), inputs };
}

/** Problems with one image folder (training or validation), and the classes it holds, as the data layer will see them. */
async function checkImageFolder(
  folder: string,
  role: string,
  field: FieldPath,
  at: ExperimentLocator,
  files: DataFiles,
): Promise<{ issues: ExperimentIssue[]; classes?: string[] }> {
  const entry = await files.entryAt(folder);
  if (entry === 'missing') return { issues: [at.issue(field, `${role}folder not found: ${folder} (${RELATIVE_HINT})${await besideIt(folder, files)}`)] };
  if (entry === 'file' || entry === 'special')
    return { issues: [at.issue(field, `${folder} is a file: an images dataset needs a folder with one subfolder per class`)] };
  const { classes, unread } = await classFolders(folder, files);
  const unreadIssues = unreadEntryIssues(unread).map((message) => at.issue(field, message, 'warning'));
  if (classes.length === 0) {
    return { issues: [at.issue(field, `no class subfolders in ${folder}: put each class's images in a subfolder named after the class`), ...unreadIssues] };
  }
  const issues = classes.flatMap(({ name, holds }) => {
    if (holds === 'images') return [];
    if (holds === 'other files') return [at.issue(field, `class folder \`${name}\` has no png, jpeg or webp images: add images or remove the folder`)];
    return [at.issue(field, `empty class folder \`${name}\`: add images or remove the folder`)];
  });
  return { issues: [...issues, ...unreadIssues], classes: classes.map((folder) => folder.name) };
}

/**
 * For a file whose experiment does not pass the schema (an unknown key, a wrong type elsewhere): the
 * data checks of each dataset that is valid on its own, so that one pass reports every problem of
 * the file rather than the data's only once the rest is fixed.
 */
export async function checkDatasetsOfInvalidExperiment(document: Document.Parsed, at: ExperimentLocator, files: DataFiles): Promise<ExperimentIssue[]> {
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch {
    return []; // Broken YAML (an unknown alias, too many aliases): the parser's issues say why.
  }
  const datasets =
    typeof data === 'object' && data !== null && Array.isArray((data as { datasets?: unknown }).datasets) ? (data as { datasets: unknown[] }).datasets : [];
  const checks = await Promise.all(
    datasets.map(async (raw, index) => {
      const parsed = DatasetSchema.safeParse(raw);
      if (!parsed.success) return [];
      const field = ['datasets', index];
      return parsed.data.type === 'images' ? checkImageDataset(parsed.data, field, at, files) : (await checkCsvDataset(parsed.data, field, at, files)).issues;
    }),
  );
  return checks.flat();
}

/**
 * ` — did you mean `digits-scanned` (beside it)?` when the folder that should hold a missing entry
 * holds one of a close name: a typo in the last part of a path is the usual way to miss.
 */
async function besideIt(missing: string, files: DataFiles): Promise<string> {
  const cut = Math.max(missing.lastIndexOf('/'), missing.lastIndexOf('\\'));
  if (cut <= 0) return '';
  const parent = missing.slice(0, cut);
  if ((await files.entryAt(parent)) !== 'folder') return '';
  const name = closestName(
    missing.slice(cut + 1),
    (await files.readDirectory(parent)).map((entry) => entry.name),
  );
  return name === undefined ? '' : ` — did you mean \`${name}\` (beside it)?`;
}

/** At most this many entries are named in one message; the count covers the rest. */
const NAMED_ENTRIES = 3;

/** One message per kind of entry the data layer will not read: devices, pipes and sockets, and link loops. */
function unreadEntryIssues(unread: readonly UnreadEntry[]): string[] {
  const special = unread.filter((entry) => entry.why === 'special').map((entry) => entry.path);
  const loops = unread.filter((entry) => entry.why === 'loop').map((entry) => entry.path);
  return [
    ...(special.length === 0
      ? []
      : [
          `${entryList(special)} ${special.length === 1 ? 'is not a regular file' : 'are not regular files'} (a device, pipe or socket): training skips ${special.length === 1 ? 'it' : 'them'} unread; remove ${special.length === 1 ? 'it' : 'them'} from the folder`,
        ]),
    ...(loops.length === 0
      ? []
      : [
          `${entryList(loops)} ${loops.length === 1 ? 'links' : 'link'} back to a folder above (a loop): training does not follow ${loops.length === 1 ? 'it' : 'them'}; remove the link${loops.length === 1 ? '' : 's'}`,
        ]),
  ];
}

function entryList(paths: readonly string[]): string {
  const named = paths
    .slice(0, NAMED_ENTRIES)
    .map((path) => `\`${path}\``)
    .join(', ');
  return paths.length > NAMED_ENTRIES ? `${named} and ${paths.length - NAMED_ENTRIES} more` : named;
}

async function checkImageDataset(dataset: ImageDatasetSpec, field: FieldPath, at: ExperimentLocator, files: DataFiles): Promise<ExperimentIssue[]> {
  const training = await checkImageFolder(files.resolve(dataset.path), '', [...field, 'path'], at, files);
  if (!('path' in dataset.validation)) return training.issues;
  const validationField = [...field, 'validation', 'path'];
  const validation = await checkImageFolder(files.resolve(dataset.validation.path), 'validation ', validationField, at, files);
  const trainingClasses = new Set(training.classes ?? []);
  const unknownClasses = training.classes ? (validation.classes ?? []).filter((name) => !trainingClasses.has(name)) : [];
  return [
    ...training.issues,
    ...validation.issues,
    ...unknownClasses.map((name) =>
      at.issue(validationField, `class \`${name}\` is in the validation folder but not in training: add training images for it or remove it from validation`),
    ),
  ];
}

async function checkCsvDataset(dataset: CsvDatasetSpec, field: FieldPath, at: ExperimentLocator, files: DataFiles): Promise<DatasetCheck> {
  const training = await checkCsvFile(dataset, files.resolve(dataset.path), '', [...field, 'path'], field, at, files);
  const sampleShape = training.issues.length === 0 && training.header ? [csvFeatureCount(dataset, training.header)] : undefined;
  if (!('path' in dataset.validation)) return { issues: training.issues, sampleShape };
  const validation = await checkCsvFile(dataset, files.resolve(dataset.validation.path), 'validation ', [...field, 'validation', 'path'], field, at, files);
  return { issues: [...training.issues, ...validation.issues], sampleShape };
}

/** As the data layer counts them: the declared features, or every column but the label. */
function csvFeatureCount(dataset: CsvDatasetSpec, header: readonly string[]): number {
  return dataset.csv.features?.length ?? header.filter((column) => column !== dataset.csv.label).length;
}

async function checkCsvFile(
  dataset: CsvDatasetSpec,
  file: string,
  role: string,
  pathField: FieldPath,
  datasetField: FieldPath,
  at: ExperimentLocator,
  files: DataFiles,
): Promise<{ issues: ExperimentIssue[]; header?: string[] }> {
  const entry = await files.entryAt(file);
  if (entry === 'missing') return { issues: [at.issue(pathField, `${role}file not found: ${file} (${RELATIVE_HINT})${await besideIt(file, files)}`)] };
  if (entry === 'folder') return { issues: [at.issue(pathField, `${file} is a folder: a csv dataset needs a CSV file`)] };
  if (entry === 'special') return { issues: [at.issue(pathField, `${file} is not a regular file (a device, pipe or socket): a csv dataset needs a CSV file`)] };
  const { header, rows } = await readCsvStart(file, dataset.csv.delimiter, files);
  if (!header) return { issues: [at.issue(pathField, `${file} is empty: it needs a header row and at least 2 data rows`)] };
  const columnIssue = (column: string, columnField: FieldPath): ExperimentIssue[] => {
    if (header.includes(column)) return [];
    const hint = didYouMean(column, header) || `; columns: ${header.join(', ')}`;
    return [at.issue(columnField, `column \`${column}\` is not in the header of ${file}${hint}`)];
  };
  const issues = [
    ...columnIssue(dataset.csv.label, [...datasetField, 'csv', 'label']),
    ...(dataset.csv.features ?? []).flatMap((column, index) => columnIssue(column, [...datasetField, 'csv', 'features', index])),
    ...(rows < 2 ? [at.issue(pathField, `${file} has ${rows} data row${rows === 1 ? '' : 's'}: a dataset needs at least 2`)] : []),
  ];
  return { issues, header };
}

/**
 * The header columns of a CSV file and whether it has data rows (counted up to 2), reading only
 * as much of the file as that takes.
 */
async function readCsvStart(file: string, delimiter: string, files: DataFiles): Promise<{ header?: string[]; rows: number }> {
  const lines = (await readFirstLines(file, 3, files)).map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  const [headerLine, ...rows] = lines;
  if (headerLine === undefined) return { rows: 0 };
  return { header: csvHeaderColumns(headerLine, delimiter), rows: rows.length };
}
