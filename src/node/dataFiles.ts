import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DataEntry, DataFiles } from '../shared/language/dataFiles';

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
    readDirectory: async (path) => Promise.all((await readdir(path, { withFileTypes: true })).map(async (entry) => ({ name: entry.name, folder: await isFolder(join(path, entry.name), entry) }))),
    read: (path) => createReadStream(path) as AsyncIterable<Uint8Array>,
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

/** Follows symbolic links, which `Dirent.isDirectory()` does not. */
async function isFolder(path: string, entry: { isDirectory(): boolean; isSymbolicLink(): boolean }): Promise<boolean> {
  if (!entry.isSymbolicLink()) return entry.isDirectory();
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
