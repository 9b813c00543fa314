import { createReadStream, type BigIntStats, type Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DataEntry, DataFiles, DataFolderEntry } from '../shared/language/dataFiles';

/**
 * The disk as the shared data checks read it (src/shared/language/checkExperimentData.ts), for the
 * trainer's `validate` and for the editor alike: asynchronous, so the host never waits on it; links
 * followed; files read only as far as the checks need. Paths in the experiment are relative to
 * `experimentDir`, the experiment file's folder.
 */
export function localDataFiles(experimentDir: string): DataFiles {
  return {
    resolve: (path) => resolve(experimentDir, path),
    entryAt,
    readDirectory: async (path) => Promise.all((await readdir(path, { withFileTypes: true })).map((entry) => folderEntry(path, entry))),
    folderId: async (path) => folderIdentity(await stat(path, { bigint: true })),
    read: (path) => createReadStream(path) as AsyncIterable<Uint8Array>,
    realPath: (path) => realpath(path).catch(() => undefined),
  };
}

async function entryAt(path: string): Promise<DataEntry> {
  try {
    const found = await stat(path);
    return found.isDirectory() ? 'folder' : found.isFile() ? 'file' : 'special';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw error;
  }
}

/**
 * An entry with links followed, which `Dirent` does not do. Only a link (whose target may be
 * anything) and a folder (for its identity) cost a `stat`; a link that points nowhere is `missing`.
 */
async function folderEntry(folder: string, entry: Dirent): Promise<DataFolderEntry> {
  if (!entry.isSymbolicLink() && !entry.isDirectory()) return { name: entry.name, kind: entry.isFile() ? 'file' : 'special' };
  const found = await stat(join(folder, entry.name), { bigint: true }).catch(() => undefined);
  if (!found) return { name: entry.name, kind: 'missing' };
  if (found.isDirectory()) return { name: entry.name, kind: 'folder', folderId: folderIdentity(found) };
  return { name: entry.name, kind: found.isFile() ? 'file' : 'special' };
}

/** Equal for every path to one folder, through any links: its device and inode (exact as bigints). */
export function folderIdentity(stats: Pick<BigIntStats, 'dev' | 'ino'>): string {
  return `${stats.dev}:${stats.ino}`;
}

/** What the kinds of `stat` or `Dirent` have in common. */
interface EntryType {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/**
 * What an entry that is neither a file nor a folder is, as skip reasons name it: opening a named pipe
 * waits for a writer forever, and a device such as /dev/zero never ends. Undefined for a file or folder.
 */
export function specialFileKind(entry: EntryType): string | undefined {
  if (entry.isFile() || entry.isDirectory()) return undefined;
  if (entry.isFIFO()) return 'a named pipe (FIFO)';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice()) return 'a character device';
  return entry.isBlockDevice() ? 'a block device' : 'an entry of unknown kind';
}
