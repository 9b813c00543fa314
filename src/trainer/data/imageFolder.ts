import { promises as fs } from 'node:fs';
import path from 'node:path';

const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export interface FolderFile {
  /** Path relative to the scanned folder, with `/` separators: `cat/001.png`. */
  file: string;
  className: string;
}

/** A folder laid out like Keras `flow_from_directory`: one subfolder (searched recursively) per class. */
export interface ImageFolder {
  root: string;
  /** Subfolder names, sorted. */
  classes: string[];
  /** Image files by class (in `classes` order), then by path. */
  images: FolderFile[];
  /** Files in a class folder whose extension is not an image's. */
  others: FolderFile[];
}

/**
 * Lists the class subfolders of `root` and their files. Hidden entries (`.DS_Store`, `.git`) and
 * files directly in `root` are ignored, as Keras does.
 */
export async function scanImageFolder(root: string): Promise<ImageFolder> {
  const entries = await fs.readdir(root, { withFileTypes: true });
  const classes: string[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith('.') && (await isDirectory(root, entry))) classes.push(entry.name);
  }
  classes.sort();
  const images: FolderFile[] = [];
  const others: FolderFile[] = [];
  for (const className of classes) {
    for (const file of (await listFiles(root, className)).sort()) {
      const target = IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase()) ? images : others;
      target.push({ file, className });
    }
  }
  return { root, classes, images, others };
}

async function listFiles(root: string, relativeDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readdir(path.join(root, relativeDir), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const relative = `${relativeDir}/${entry.name}`;
    if (await isDirectory(path.join(root, relativeDir), entry)) files.push(...(await listFiles(root, relative)));
    else files.push(relative);
  }
  return files;
}

/** Follows symbolic links, which `Dirent.isDirectory()` does not. */
async function isDirectory(parent: string, entry: { name: string; isDirectory(): boolean; isSymbolicLink(): boolean }): Promise<boolean> {
  if (!entry.isSymbolicLink()) return entry.isDirectory();
  return (await fs.stat(path.join(parent, entry.name)).catch(() => undefined))?.isDirectory() ?? false;
}
