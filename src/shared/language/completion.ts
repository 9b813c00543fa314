import { z } from 'zod';
import { csvHeaderColumns } from '../experiment/csvHeader';
import type { FieldPath } from '../experiment/locate';
import { ExperimentSchema } from '../experiment/schema';
import { fieldsAt, schemasAt, unwrap, valueAt, type Schema } from '../experiment/schemaPaths';
import { cursorContext, isPlaceholderKey, type CursorContext } from './cursor';
import { fieldDoc, fieldMarkdown, isRequired, valueOptions } from './fieldDoc';

export interface DirectoryEntry {
  name: string;
  folder: boolean;
}

/** What completion needs from outside: the files next to the experiment. */
export interface CompletionEnvironment {
  /** Entries of a folder given relative to the experiment file (`''` is its own folder); [] if absent. */
  listDirectory(relativePath: string): Promise<DirectoryEntry[]>;
  /** Up to `bytes` bytes from the start of a file given relative to the experiment, as text; undefined if unreadable. */
  readFileStart(relativePath: string, bytes: number): Promise<string | undefined>;
}

export interface CompletionEntry {
  label: string;
  kind: 'field' | 'value' | 'name' | 'folder' | 'file';
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** Text to insert; a snippet (`$1`, `${1|a,b|}`) when `snippet` is true. */
  insertText: string;
  snippet: boolean;
  /** Offsets replaced by `insertText`. */
  replace: { start: number; end: number };
}

/** Fields whose value is a path relative to the experiment file. */
const PATH_FIELDS: ReadonlyArray<readonly unknown[]> = [
  ['datasets', '#', 'path'],
  ['datasets', '#', 'validation', 'path'],
  ['model', 'from'],
];

/** Enough for a header of thousands of columns, cheap on a large CSV. */
const HEADER_BYTES = 64 * 1024;
/** The rows read for a CSV dataset's label values: cheap, and enough for the classes of most tables. */
const LABEL_BYTES = 1024 * 1024;

/** Completions at `offset` of an experiment file's text. */
export async function completeAt(text: string, offset: number, environment: CompletionEnvironment): Promise<CompletionEntry[]> {
  const cursor = cursorContext(text, offset);
  if (!cursor) return [];
  if (isColumnField(cursor)) return columnCompletions(cursor, environment);
  if (cursor.kind === 'key') {
    const keys = keyCompletions(cursor);
    return keys.length ? keys : recordKeyCompletions(cursor, environment);
  }
  if (matches(cursor.path, PATH_FIELDS)) return pathCompletions(cursor, environment);
  return [...nameCompletions(cursor), ...valueCompletions(cursor), ...datasetMonitorCompletions(cursor)];
}

function keyCompletions(cursor: CursorContext): CompletionEntry[] {
  const present = new Set(Object.keys(asRecord(valueAt(cursor.data, cursor.path))).filter((key) => !isPlaceholderKey(key)));
  return [...fieldsAt(ExperimentSchema, cursor.path, cursor.data)]
    .filter(([key]) => !present.has(key))
    .map(([key, schema]) => {
      const doc = fieldDoc(key, schema);
      const values = valuesAt([...cursor.path, key], cursor.data, doc.values);
      return {
        label: key,
        kind: 'field',
        detail: doc.type,
        documentation: fieldMarkdown(doc),
        insertText: keySnippet(key, schema, values, cursor.flow),
        snippet: true,
        replace: cursor.replace,
      };
    });
}

/** `key: ${1|a,b|}` for a choice, a block with the required fields for a map, `- ` for a list of maps. */
function keySnippet(key: string, schema: Schema, values: readonly string[], flow: boolean): string {
  if (values.length > 1) return `${key}: \${1|${values.map((value) => value.replace(/[,|]/g, '\\$&')).join(',')}|}`;
  if (values.length === 1) return `${key}: ${values[0]}`;
  const inner = unwrap(schema);
  if (flow) return `${key}: $1`;
  if (inner instanceof z.core.$ZodObject) {
    const required = Object.entries(inner._zod.def.shape).filter(([, field]) => isRequired(field));
    if (required.length) return `${key}:\n${required.map(([name], index) => `  ${name}: $${index + 1}`).join('\n')}`;
  }
  if (inner instanceof z.core.$ZodArray) {
    const element = unwrap(inner._zod.def.element);
    if (element instanceof z.core.$ZodObject || element instanceof z.core.$ZodDiscriminatedUnion) return `${key}:\n  - $1`;
  }
  if (inner instanceof z.core.$ZodRecord || inner instanceof z.core.$ZodObject || inner instanceof z.core.$ZodUnion) return `${key}:\n  $1`;
  return `${key}: $1`;
}

/** Keys of name → value maps: stem and head names in a loaded model's `tasks`, class names in `class_weights`. */
async function recordKeyCompletions(cursor: CursorContext, environment: CompletionEnvironment): Promise<CompletionEntry[]> {
  const { path, data } = cursor;
  if (matches(path, [['model', 'tasks']])) return names(Object.keys(asRecord(valueAt(data, ['model', 'outputs']))), 'head', cursor, ': ');
  if (matches(path, [['datasets', '#', 'class_weights']])) {
    const present = new Set(Object.keys(asRecord(valueAt(data, path))));
    const classes = (await datasetClasses(asRecord(valueAt(data, path.slice(0, 2))), data, environment)).filter((name) => !present.has(name));
    return names(classes, 'class', cursor, ': ');
  }
  return [];
}

/**
 * The classes of a dataset as its source shows them: the class subfolders of an images dataset,
 * the label values in the first rows of a CSV dataset (none when its head is a regression).
 */
async function datasetClasses(dataset: Record<string, unknown>, data: unknown, environment: CompletionEnvironment): Promise<string[]> {
  if (typeof dataset.path !== 'string') return [];
  if (dataset.type !== 'csv') {
    const entries = await environment.listDirectory(dataset.path);
    return entries.filter((entry) => entry.folder && !entry.name.startsWith('.')).map((entry) => entry.name);
  }
  const csv = asRecord(dataset.csv);
  if (typeof csv.label !== 'string' || headTask(dataset, data) === 'regression') return [];
  const text = (await environment.readFileStart(dataset.path, LABEL_BYTES)) ?? '';
  // The last line may have been cut short by the byte limit.
  const [header = '', ...rows] = text.split('\n').slice(0, text.endsWith('\n') ? undefined : -1);
  const delimiter = csvDelimiter(csv);
  const labelIndex = csvHeaderColumns(header, delimiter).indexOf(csv.label);
  if (labelIndex < 0) return [];
  const labels = rows.map((row) => csvHeaderColumns(row, delimiter)[labelIndex] ?? '').filter((label) => label !== '');
  return [...new Set(labels)].sort();
}

/** The task of the head a dataset trains, as far as the model in the text tells. */
function headTask(dataset: Record<string, unknown>, data: unknown): unknown {
  const model = asRecord(valueAt(data, ['model']));
  const heads = Object.keys(asRecord('from' in model ? model.outputs : model.heads));
  const head = typeof dataset.head === 'string' ? dataset.head : heads.length === 1 ? heads[0] : undefined;
  if (head === undefined) return undefined;
  return 'from' in model ? (asRecord(model.tasks)[head] ?? 'classification') : asRecord(asRecord(model.heads)[head]).task;
}

/** Stem and head names where a dataset refers to one. */
function nameCompletions(cursor: CursorContext): CompletionEntry[] {
  const { path, data } = cursor;
  if (
    !matches(path, [
      ['datasets', '#', 'stem'],
      ['datasets', '#', 'head'],
    ])
  )
    return [];
  const kind = path[2] === 'stem' ? 'stem' : 'head';
  const model = asRecord(valueAt(data, ['model']));
  const section = 'from' in model ? (kind === 'stem' ? 'inputs' : 'outputs') : kind === 'stem' ? 'stems' : 'heads';
  return names(
    Object.keys(asRecord(model[section])).filter((name) => !isPlaceholderKey(name)),
    kind,
    cursor,
    '',
  );
}

const MONITOR_FIELDS: FieldPath[] = [
  ['training', 'checkpoint', 'monitor'],
  ['training', 'early_stopping', 'monitor'],
  ['training', 'lr_schedule', 'monitor'],
];

/** A monitor may also watch one dataset: `val_loss:NAME` and `val_accuracy:NAME` for each dataset of the file. */
function datasetMonitorCompletions(cursor: CursorContext): CompletionEntry[] {
  if (!matches(cursor.path, MONITOR_FIELDS)) return [];
  const datasets = valueAt(cursor.data, ['datasets']);
  const datasetNames = (Array.isArray(datasets) ? datasets : [])
    .map((dataset) => asRecord(dataset).name)
    .filter((name): name is string => typeof name === 'string');
  return datasetNames.flatMap((name) =>
    (['loss', 'accuracy'] as const).map((metric) => ({
      label: `val_${metric}:${name}`,
      kind: 'value' as const,
      detail: `${name}'s validation ${metric}`,
      insertText: `val_${metric}:${name}`,
      snippet: false,
      replace: cursor.replace,
    })),
  );
}

function names(list: readonly string[], what: string, cursor: CursorContext, suffix: string): CompletionEntry[] {
  return list.map((name) => ({ label: name, kind: 'name', detail: what, insertText: `${name}${suffix}`, snippet: false, replace: cursor.replace }));
}

function valueCompletions(cursor: CursorContext): CompletionEntry[] {
  const field = cursor.path[cursor.path.length - 1];
  const parent = cursor.path.slice(0, -1);
  const declared = typeof field === 'string' ? fieldsAt(ExperimentSchema, parent, cursor.data).get(field) : undefined;
  const values = valuesAt(cursor.path, cursor.data, []);
  const documentation = declared && typeof field === 'string' ? fieldMarkdown(fieldDoc(field, declared)) : undefined;
  return values.map((value) => ({ label: value, kind: 'value', documentation, insertText: value, snippet: false, replace: cursor.replace }));
}

/**
 * Every value an enum, literal or boolean accepts at `path`, over all the alternatives still open
 * (a layer's `type` before it is chosen); `first` (the default) leads.
 */
function valuesAt(path: FieldPath, data: unknown, first: readonly string[]): string[] {
  return [...new Set([...first, ...schemasAt(ExperimentSchema, path, data).flatMap((schema) => valueOptions(schema))])];
}

/**
 * Whether the cursor is on a CSV column name: `csv.label` or an item of `csv.features` (a block
 * item being typed reads as a key until its line has a colon).
 */
function isColumnField({ kind, path }: CursorContext): boolean {
  const featureItem = matches(path, [['datasets', '#', 'csv', 'features', '#']]);
  return featureItem || (kind === 'value' && matches(path, [['datasets', '#', 'csv', 'label']]));
}

/** The columns of the dataset's CSV header not already used as its label or another feature. */
async function columnCompletions(cursor: CursorContext, environment: CompletionEnvironment): Promise<CompletionEntry[]> {
  const dataset = asRecord(valueAt(cursor.data, cursor.path.slice(0, 2)));
  const csv = asRecord(dataset.csv);
  if (typeof dataset.path !== 'string') return [];
  const start = (await environment.readFileStart(dataset.path, HEADER_BYTES)) ?? '';
  const firstLine = start.split('\n', 1)[0] ?? '';
  const header = firstLine.trim() === '' ? [] : csvHeaderColumns(firstLine, csvDelimiter(csv));
  const features: unknown[] = Array.isArray(csv.features) ? csv.features : [];
  const used = new Set([csv.label, ...features].filter((column) => typeof column === 'string' && !isPlaceholderKey(column)));
  const role = cursor.path[3] === 'label' ? 'label column' : 'feature column';
  return header
    .filter((column) => column !== '' && !used.has(column))
    .map((column) => ({ label: column, kind: 'value', detail: role, insertText: column, snippet: false, replace: cursor.replace }));
}

function csvDelimiter(csv: Record<string, unknown>): string {
  return typeof csv.delimiter === 'string' && csv.delimiter.length === 1 ? csv.delimiter : ',';
}

/** Folders and files next to what has been typed so far; a folder's completion ends in `/` to go on. */
async function pathCompletions(cursor: CursorContext, environment: CompletionEnvironment): Promise<CompletionEntry[]> {
  const slash = cursor.prefix.lastIndexOf('/');
  const folder = cursor.prefix.slice(0, slash + 1);
  const entries = await environment.listDirectory(folder);
  const replace = { start: cursor.replace.start + slash + 1, end: cursor.replace.end };
  return entries
    .filter((entry) => !entry.name.startsWith('.'))
    .map((entry) => ({
      label: entry.folder ? `${entry.name}/` : entry.name,
      kind: entry.folder ? 'folder' : 'file',
      insertText: entry.folder ? `${entry.name}/` : entry.name,
      snippet: false,
      replace,
    }));
}

/** Whether `path` fits one of the patterns, `'#'` standing for any list index. */
function matches(path: FieldPath, patterns: ReadonlyArray<readonly unknown[]>): boolean {
  return patterns.some(
    (pattern) => pattern.length === path.length && pattern.every((part, index) => (part === '#' ? typeof path[index] === 'number' : part === path[index])),
  );
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
