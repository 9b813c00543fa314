/**
 * What the data checks read, given by their caller: the trainer's CLI and the editor each read the
 * disk their own way (Node in both today), while the checks and their messages stay one implementation.
 */
export interface DataFiles {
  /** The absolute path of a path written in the experiment, which is relative to the experiment's folder. */
  resolve(path: string): string;
  /** What is at an absolute path, links followed; throws on errors other than absence. */
  entryAt(path: string): Promise<DataEntry>;
  /** The entries of a folder, a link counting as what it points to (`missing` when it points nowhere). */
  readDirectory(path: string): Promise<DataFolderEntry[]>;
  /** The same for every path to one folder (its device and inode): tells a link loop. */
  folderId(path: string): Promise<string>;
  /** The bytes of a file from its start, in chunks; the reader may stop early. */
  read(path: string): AsyncIterable<Uint8Array>;
  /** The path with every link resolved; undefined when nothing is there. */
  realPath(path: string): Promise<string | undefined>;
}

/** `special`: a device, pipe or socket — reading it could block or never end, so it is not read. */
export type DataEntry = 'missing' | 'file' | 'folder' | 'special';

export interface DataFolderEntry {
  name: string;
  kind: DataEntry;
  /** A folder's `DataFiles.folderId`. */
  folderId?: string;
}

/** The most of a file read for its first lines: a file without line breaks is not read whole. */
const FIRST_LINES_LIMIT = 1 << 20;

/** What a class subfolder holds, as far as the checks need to know. */
export interface ClassFolder {
  name: string;
  holds: 'images' | 'other files' | 'nothing';
}

/** An entry of an image folder the data layer skips unread, by its path below the folder (`3/fifo.png`). */
export interface UnreadEntry {
  path: string;
  why: 'special' | 'loop';
}

/** The class folders of an image folder and the entries seen in them that training will not read. */
export interface ImageFolderCheck {
  classes: ClassFolder[];
  unread: UnreadEntry[];
}

/** The file kinds the data layer decodes (src/trainer/data/imageFolder.ts; a unit test keeps the two in step). */
const IMAGE_FILE = /\.(png|jpe?g|webp)$/i;

/**
 * The class subfolders of an image folder, sorted, as the data layer reads them: hidden entries are
 * skipped, a class's images may sit in nested folders, and devices, pipes, sockets and links back to
 * a folder above them are not read. A class is searched only until the first folder listing that
 * holds an image, so that checking a large dataset as the user types stays cheap.
 */
export async function classFolders(folder: string, files: DataFiles): Promise<ImageFolderCheck> {
  const rootId = await files.folderId(folder);
  const unread: UnreadEntry[] = [];
  const classes: Array<{ name: string; folderId: string }> = [];
  for (const entry of await files.readDirectory(folder)) {
    if (isHidden(entry.name) || entry.kind !== 'folder' || entry.folderId === undefined) continue;
    if (entry.folderId === rootId) unread.push({ path: entry.name, why: 'loop' });
    else classes.push({ name: entry.name, folderId: entry.folderId });
  }
  classes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const held = await Promise.all(classes.map(({ name, folderId }) => folderHolds(folder, name, [rootId, folderId], files)));
  return {
    classes: classes.map(({ name }, i) => ({ name, holds: held[i]?.holds ?? 'nothing' })),
    unread: [...unread, ...held.flatMap((found) => found.unread)],
  };
}

/** A folder to search, by its path below the image folder and the identities of the folders above and at it. */
interface PendingFolder {
  path: string;
  ancestors: readonly string[];
}

async function folderHolds(
  root: string,
  className: string,
  ancestors: readonly string[],
  files: DataFiles,
): Promise<{ holds: ClassFolder['holds']; unread: UnreadEntry[] }> {
  const pending: PendingFolder[] = [{ path: className, ancestors }];
  const unread: UnreadEntry[] = [];
  let holds: ClassFolder['holds'] = 'nothing';
  for (let current = pending.shift(); current !== undefined && holds !== 'images'; current = pending.shift()) {
    for (const entry of await files.readDirectory(`${root}/${current.path}`)) {
      if (isHidden(entry.name)) continue;
      const path = `${current.path}/${entry.name}`;
      if (entry.kind === 'special') unread.push({ path, why: 'special' });
      else if (entry.kind === 'folder' && entry.folderId !== undefined) {
        if (current.ancestors.includes(entry.folderId)) unread.push({ path, why: 'loop' });
        else pending.push({ path, ancestors: [...current.ancestors, entry.folderId] });
      } else if (IMAGE_FILE.test(entry.name)) holds = 'images';
      else if (holds === 'nothing') holds = 'other files';
    }
  }
  return { holds, unread };
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
