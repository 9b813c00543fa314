import type { DirectoryEntry } from './completion';

/**
 * What the data checks read, given by their caller: the trainer's CLI and the editor each read the
 * disk their own way (Node in both today), while the checks and their messages stay one implementation.
 */
export interface DataFiles {
  /** The absolute path of a path written in the experiment, which is relative to the experiment's folder. */
  resolve(path: string): string;
  /** What is at an absolute path, links followed; throws on errors other than absence. */
  entryAt(path: string): Promise<DataEntry>;
  /** The entries of a folder, a link counting as what it points to. */
  readDirectory(path: string): Promise<DirectoryEntry[]>;
  /** The bytes of a file from its start, in chunks; the reader may stop early. */
  read(path: string): AsyncIterable<Uint8Array>;
}

/** `special`: a device, pipe or socket — reading it could block or never end, so it is not read. */
export type DataEntry = 'missing' | 'file' | 'folder' | 'special';

/** The most of a file read for its first lines: a file without line breaks is not read whole. */
const FIRST_LINES_LIMIT = 1 << 20;

/** What a class subfolder holds, as far as the checks need to know. */
export interface ClassFolder {
  name: string;
  holds: 'images' | 'other files' | 'nothing';
}

/** The file kinds the data layer decodes (src/trainer/data/imageFolder.ts; a unit test keeps the two in step). */
const IMAGE_FILE = /\.(png|jpe?g|webp)$/i;

/**
 * The class subfolders of an image folder, sorted, as the data layer reads them: hidden entries are
 * skipped and a class's images may sit in nested folders. A class is searched only until its first
 * image, so that checking a large dataset as the user types stays cheap.
 */
export async function classFolders(folder: string, files: DataFiles): Promise<ClassFolder[]> {
  const classes = (await files.readDirectory(folder))
    .filter((entry) => entry.folder && !isHidden(entry.name))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(classes.map(async (name) => ({ name, holds: await folderHolds(`${folder}/${name}`, files) })));
}

async function folderHolds(folder: string, files: DataFiles): Promise<ClassFolder['holds']> {
  const pending = [folder];
  let others = false;
  for (let current = pending.shift(); current !== undefined; current = pending.shift()) {
    for (const entry of await files.readDirectory(current)) {
      if (isHidden(entry.name)) continue;
      if (entry.folder) pending.push(`${current}/${entry.name}`);
      else if (IMAGE_FILE.test(entry.name)) return 'images';
      else others = true;
    }
  }
  return others ? 'other files' : 'nothing';
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/** Up to `count` non-empty lines from the start of a file, reading only as far as they take. */
export async function readFirstLines(path: string, count: number, files: DataFiles): Promise<string[]> {
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for await (const chunk of files.read(path)) {
    text += decoder.decode(chunk, { stream: true });
    size += chunk.byteLength;
    if (nonEmptyLines(text).length > count || size >= FIRST_LINES_LIMIT) break;
  }
  return nonEmptyLines(text).slice(0, count);
}

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** A whole text file, or undefined when it is longer than `limit` bytes (not the small file expected). */
export async function readSmallText(path: string, limit: number, files: DataFiles): Promise<string | undefined> {
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for await (const chunk of files.read(path)) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
