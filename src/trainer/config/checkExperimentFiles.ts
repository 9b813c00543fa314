import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ExperimentIssue } from '../../shared/experiment/issues';
import type { ExperimentLocator } from '../../shared/experiment/locate';
import type { Experiment } from '../../shared/experiment/schema';
import { checkExperimentData } from '../../shared/language/checkExperimentData';
import type { DataEntry, DataFiles } from '../../shared/language/dataFiles';

/**
 * Checks that the files an experiment names exist and have the expected shape, positioned at the
 * field that names them. The checks are shared with the editor (src/shared/language); this gives
 * them the disk, with paths relative to the experiment's folder `dir`.
 */
export function checkExperimentFiles(experiment: Experiment, dir: string, at: ExperimentLocator): Promise<ExperimentIssue[]> {
  return checkExperimentData(experiment, at, nodeDataFiles(dir));
}

function nodeDataFiles(dir: string): DataFiles {
  return {
    resolve: (path) => resolve(dir, path),
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
