import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { folderIdentity, specialFileKind } from '../../node/dataFiles';

export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export interface FolderFile {
  /** Path relative to the scanned folder, with `/` separators: `cat/001.png`. */
  file: string;
  className: string;
}

/** An entry that is not read, with the reason the skip report gives. */
export interface UnreadFile extends FolderFile {
  reason: string;
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
  /**
   * Entries never opened: devices, pipes and sockets (a pipe would block the read forever, a device
   * never end) and links back to a folder above them (a loop). One directly in `root` has class ''.
   */
  unread: UnreadFile[];
}

const LOOP_REASON = 'a link back to a folder above it (a loop): not followed';

/** The skip reason of an entry that is not a regular file; `what` is `specialFileKind`'s. */
export function notAFileReason(what: string): string {
  return `${what}, not a file: not read`;
}

/**
 * Lists the class subfolders of `root` and their files. Hidden entries (`.DS_Store`, `.git`) and
 * files directly in `root` are ignored, as Keras does; links are followed unless they loop.
 */
export async function scanImageFolder(root: string): Promise<ImageFolder> {
  const rootId = folderIdentity(await fs.stat(root, { bigint: true }));
  const classFolders: Array<{ name: string; id: string }> = [];
  const unread: UnreadFile[] = [];
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const found = await entryKind(root, entry);
    if (found.kind !== 'folder') continue;
    if (found.id === rootId) unread.push({ file: entry.name, className: '', reason: LOOP_REASON });
    else classFolders.push({ name: entry.name, id: found.id });
  }
  classFolders.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const images: FolderFile[] = [];
  const others: FolderFile[] = [];
  for (const { name: className, id } of classFolders) {
    const listing: Listing = { files: [], unread: [] };
    await listFiles(root, className, [rootId, id], listing);
    for (const file of listing.files.sort()) {
      const target = IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase()) ? images : others;
      target.push({ file, className });
    }
    unread.push(...listing.unread.sort((a, b) => (a.file < b.file ? -1 : 1)).map((entry) => ({ ...entry, className })));
  }
  return { root, classes: classFolders.map((folder) => folder.name), images, others, unread };
}

interface Listing {
  files: string[];
  unread: Array<{ file: string; reason: string }>;
}

/** Adds the files below `relativeDir` to `listing`; `ancestors` are the identities of the folders from `root` down to it. */
async function listFiles(root: string, relativeDir: string, ancestors: readonly string[], listing: Listing): Promise<void> {
  const dir = path.join(root, relativeDir);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const relative = `${relativeDir}/${entry.name}`;
    const found = await entryKind(dir, entry);
    if (found.kind === 'folder') {
      if (ancestors.includes(found.id)) listing.unread.push({ file: relative, reason: LOOP_REASON });
      else await listFiles(root, relative, [...ancestors, found.id], listing);
    } else if (found.kind === 'special') {
      listing.unread.push({ file: relative, reason: notAFileReason(found.what) });
    } else {
      // A file, or a link to nothing: reading it fails later with its reason.
      listing.files.push(relative);
    }
  }
}

type EntryKind = { kind: 'folder'; id: string } | { kind: 'special'; what: string } | { kind: 'file' };

/**
 * What an entry is, links followed (which `Dirent` does not do). Only links and folders (for their
 * identity, which tells a loop) cost a `stat`.
 */
async function entryKind(parent: string, entry: Dirent): Promise<EntryKind> {
  if (!entry.isSymbolicLink() && !entry.isDirectory()) {
    const special = specialFileKind(entry);
    return special === undefined ? { kind: 'file' } : { kind: 'special', what: special };
  }
  const found = await fs.stat(path.join(parent, entry.name), { bigint: true }).catch(() => undefined);
  if (!found) return { kind: 'file' };
  if (found.isDirectory()) return { kind: 'folder', id: folderIdentity(found) };
  const targetSpecial = specialFileKind(found);
  return targetSpecial === undefined ? { kind: 'file' } : { kind: 'special', what: targetSpecial };
}
