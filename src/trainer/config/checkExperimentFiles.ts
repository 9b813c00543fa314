import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { csvHeaderColumns } from '../../shared/experiment/csvHeader';
import type { ExperimentIssue } from '../../shared/experiment/issues';
import type { ExperimentLocator, FieldPath } from '../../shared/experiment/locate';
import { isLoadedModel, type CsvDatasetSpec, type Experiment, type ImageDatasetSpec } from '../../shared/experiment/schema';
import { didYouMean } from '../../shared/experiment/suggest';
import { scanImageFolder } from '../data/imageFolder';
import { checkStemShapes } from './checkStemShapes';

const RELATIVE_HINT = 'paths are relative to the experiment file';

/**
 * Checks that the files an experiment names exist and have the expected shape, positioned at the
 * field that names them. Only the structure is checked (folders, class subfolders, the CSV header);
 * reading the data itself belongs to the data layer.
 */
export async function checkExperimentFiles(experiment: Experiment, dir: string, at: ExperimentLocator): Promise<ExperimentIssue[]> {
  const datasetChecks = Promise.all(
    experiment.datasets.map((dataset, index): Promise<DatasetCheck> =>
      dataset.type === 'images'
        ? checkImageDataset(dataset, ['datasets', index], dir, at).then((issues) => ({ issues, sampleShape: imageSampleShape(dataset) }))
        : checkCsvDataset(dataset, ['datasets', index], dir, at),
    ),
  );
  const { model } = experiment;
  const modelIssues = isLoadedModel(model) ? checkModelFile(resolve(dir, model.from), at) : Promise.resolve([]);
  const datasets = await datasetChecks;
  const stemIssues = checkStemShapes(experiment, datasets.map((check) => check.sampleShape), at);
  return [...datasets.flatMap((check) => check.issues), ...(await modelIssues), ...stemIssues];
}

/** A dataset's file problems and, when its files allow it to be known, the shape of one sample. */
interface DatasetCheck {
  issues: ExperimentIssue[];
  sampleShape?: number[];
}

function imageSampleShape(dataset: ImageDatasetSpec): number[] {
  return [...dataset.image.size, dataset.image.channels];
}

type Entry = 'missing' | 'file' | 'folder';

async function entryAt(path: string): Promise<Entry> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    if (isNotFound(error)) return 'missing';
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function checkModelFile(file: string, at: ExperimentLocator): Promise<ExperimentIssue[]> {
  const entry = await entryAt(file);
  if (entry === 'file') return [];
  const problem = entry === 'missing' ? `model file not found: ${file} (${RELATIVE_HINT})` : `${file} is a folder: \`from\` names a TensorFlow.js model.json file`;
  return [at.issue(['model', 'from'], problem)];
}

/** Problems with one image folder (training or validation), and the classes it holds, as the data layer will see them. */
async function checkImageFolder(folder: string, role: string, field: FieldPath, at: ExperimentLocator): Promise<{ issues: ExperimentIssue[]; classes?: string[] }> {
  const entry = await entryAt(folder);
  if (entry === 'missing') return { issues: [at.issue(field, `${role}folder not found: ${folder} (${RELATIVE_HINT})`)] };
  if (entry === 'file') return { issues: [at.issue(field, `${folder} is a file: an images dataset needs a folder with one subfolder per class`)] };
  const { classes, images, others } = await scanImageFolder(folder);
  if (classes.length === 0) {
    return { issues: [at.issue(field, `no class subfolders in ${folder}: put each class's images in a subfolder named after the class`)] };
  }
  const withImages = new Set(images.map((image) => image.className));
  const withOtherFiles = new Set(others.map((other) => other.className));
  const issues = classes.flatMap((name) => {
    if (withImages.has(name)) return [];
    if (withOtherFiles.has(name)) return [at.issue(field, `class folder \`${name}\` has no png, jpeg or webp images: add images or remove the folder`)];
    return [at.issue(field, `empty class folder \`${name}\`: add images or remove the folder`)];
  });
  return { issues, classes };
}

async function checkImageDataset(dataset: ImageDatasetSpec, field: FieldPath, dir: string, at: ExperimentLocator): Promise<ExperimentIssue[]> {
  const training = await checkImageFolder(resolve(dir, dataset.path), '', [...field, 'path'], at);
  if (!('path' in dataset.validation)) return training.issues;
  const validationField = [...field, 'validation', 'path'];
  const validation = await checkImageFolder(resolve(dir, dataset.validation.path), 'validation ', validationField, at);
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

async function checkCsvDataset(dataset: CsvDatasetSpec, field: FieldPath, dir: string, at: ExperimentLocator): Promise<DatasetCheck> {
  const training = await checkCsvFile(dataset, resolve(dir, dataset.path), '', [...field, 'path'], field, at);
  const sampleShape = training.issues.length === 0 && training.header ? [csvFeatureCount(dataset, training.header)] : undefined;
  if (!('path' in dataset.validation)) return { issues: training.issues, sampleShape };
  const validation = await checkCsvFile(dataset, resolve(dir, dataset.validation.path), 'validation ', [...field, 'validation', 'path'], field, at);
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
): Promise<{ issues: ExperimentIssue[]; header?: string[] }> {
  const entry = await entryAt(file);
  if (entry === 'missing') return { issues: [at.issue(pathField, `${role}file not found: ${file} (${RELATIVE_HINT})`)] };
  if (entry === 'folder') return { issues: [at.issue(pathField, `${file} is a folder: a csv dataset needs a CSV file`)] };
  const { header, rows } = await readCsvStart(file, dataset.csv.delimiter);
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
async function readCsvStart(file: string, delimiter: string): Promise<{ header?: string[]; rows: number }> {
  const lines = (await readFirstLines(file, 3)).map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  const [headerLine, ...rows] = lines;
  if (headerLine === undefined) return { rows: 0 };
  return { header: csvHeaderColumns(headerLine, delimiter), rows: rows.length };
}

/** Up to `count` non-empty lines from the start of a file, reading it in chunks. */
async function readFirstLines(file: string, count: number): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      text += decoder.decode(chunk.subarray(0, bytesRead), { stream: true });
      if (text.split('\n').filter((line) => line.trim() !== '').length > count) break;
    }
    return text.split('\n').filter((line) => line.trim() !== '').slice(0, count);
  } finally {
    await handle.close();
  }
}
