import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { specialFileKind } from '../../node/dataFiles';
import { makeDirectorySync } from '../../node/makeDirectory';
import { decodeImage, ImageDecodeError, type DecodeTarget } from './decodeImage';
import { forEachConcurrent } from './forEachConcurrent';
import { notAFileReason, type FolderFile } from './imageFolder';

/** Bump when the blob layout or the decoding itself changes, so old caches are not reused. */
const DECODE_CACHE_VERSION = 1;

/**
 * Files that sharp decodes (all but simple PNGs) cost CPU in two places: sharp's per-call setup
 * on the main thread (~150 µs) and libvips' work on a libuv thread (~400 µs for a small image).
 * Two images per core in flight overlap the two; more measured no faster.
 */
const DECODES_IN_FLIGHT = 2 * os.availableParallelism();

/** The on-disk record that makes a blob usable: written after the blob, so its presence means complete. */
interface CacheIndex {
  formatVersion: typeof DECODE_CACHE_VERSION;
  key: string;
  sampleShape: [number, number, number];
  fileCount: number;
  /** Files that could not be decoded, by slot (their position in the source's file list). */
  failures: Array<{ slot: number; reason: string }>;
}

/** Decoded pixels of one image source: slot `i` of the blob holds file `i` unless it failed. */
export interface DecodedSource {
  blobPath: string;
  sampleBytes: number;
  failures: Map<number, string>;
  fromCache: boolean;
}

/**
 * Returns the decode-cache blob of `files` under `target`, decoding them only when no complete
 * blob exists for their content. The key covers every file's content, path and class, the target
 * and the cache version, so any change to one of them decodes again.
 */
export async function decodeWithCache(
  root: string,
  files: readonly FolderFile[],
  target: DecodeTarget,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<DecodedSource> {
  const key = decodeCacheKey(files, hashContents(root, files), target);
  const blobPath = path.join(cacheDir, 'images', `${key}.bin`);
  const indexPath = path.join(cacheDir, 'images', `${key}.json`);
  const sampleBytes = target.height * target.width * target.channels;
  const cached = readIndex(indexPath, key, files.length, blobPath, sampleBytes);
  if (cached) {
    onProgress?.(files.length, files.length);
    return { blobPath, sampleBytes, failures: new Map(cached.failures.map((f) => [f.slot, f.reason])), fromCache: true };
  }
  makeDirectorySync(path.dirname(blobPath));
  const failures = await decodeToBlob(root, files, target, blobPath, onProgress);
  const index: CacheIndex = {
    formatVersion: DECODE_CACHE_VERSION,
    key,
    sampleShape: [target.height, target.width, target.channels],
    fileCount: files.length,
    failures: [...failures].map(([slot, reason]) => ({ slot, reason })),
  };
  await writeAtomically(indexPath, (tempPath) => fs.writeFileSync(tempPath, JSON.stringify(index)));
  return { blobPath, sampleBytes, failures, fromCache: false };
}

function decodeCacheKey(files: readonly FolderFile[], contentHashes: readonly string[], target: DecodeTarget): string {
  const hash = createHash('sha256');
  hash.update(`jointrain decode cache v${DECODE_CACHE_VERSION}\n${target.height}x${target.width}x${target.channels}\n`);
  files.forEach((file, i) => hash.update(`${file.file}\0${file.className}\0${contentHashes[i]}\n`));
  return hash.digest('hex');
}

function hashContents(root: string, files: readonly FolderFile[]): string[] {
  return files.map((file) => {
    const bytes = readSource(root, file);
    // An unreadable file is keyed by its error, so it is retried once it can be read.
    return bytes instanceof ImageDecodeError ? bytes.reason : createHash('sha256').update(bytes).digest('hex');
  });
}

function readIndex(indexPath: string, key: string, fileCount: number, blobPath: string, sampleBytes: number): CacheIndex | undefined {
  try {
    const index = JSON.parse(fs.readFileSync(indexPath, 'utf8')) as Partial<CacheIndex>;
    const complete =
      index.formatVersion === DECODE_CACHE_VERSION &&
      index.key === key &&
      index.fileCount === fileCount &&
      Array.isArray(index.failures) &&
      fs.statSync(blobPath).size === fileCount * sampleBytes;
    return complete ? (index as CacheIndex) : undefined;
  } catch {
    // A missing or unreadable index is a cache miss; the blob is rebuilt.
    return undefined;
  }
}

/** Decodes every file into its slot of a new blob; returns the reason of each file that failed. */
async function decodeToBlob(
  root: string,
  files: readonly FolderFile[],
  target: DecodeTarget,
  blobPath: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Map<number, string>> {
  const failures = new Map<number, string>();
  const sampleBytes = target.height * target.width * target.channels;
  await writeAtomically(blobPath, async (tempPath) => {
    const fd = fs.openSync(tempPath, 'w');
    try {
      // The blob has its final size up front; the slots of failed files stay zero.
      fs.ftruncateSync(fd, files.length * sampleBytes);
      let done = 0;
      await forEachConcurrent(files, DECODES_IN_FLIGHT, async (file, slot) => {
        try {
          const bytes = readSource(root, file);
          if (bytes instanceof ImageDecodeError) throw bytes;
          fs.writeSync(fd, await decodeImage(bytes, target), 0, sampleBytes, slot * sampleBytes);
        } catch (error) {
          if (!(error instanceof ImageDecodeError)) throw error;
          failures.set(slot, error.reason);
        }
        onProgress?.(++done, files.length);
      });
    } finally {
      fs.closeSync(fd);
    }
  });
  return failures;
}

/**
 * The most bytes of one image file that are read: far above any training image (a 50-megapixel
 * photo is a few tens of MiB), it keeps a huge file from being read whole for nothing.
 */
const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Opening without blocking: a named pipe that slipped in after the scan would otherwise wait for a
 * writer forever, on the main thread, where not even SIGTERM is handled. Regular files read as usual.
 */
const OPEN_FLAGS = fs.constants.O_RDONLY | (process.platform === 'win32' ? 0 : fs.constants.O_NONBLOCK);

/**
 * Image files are small: a synchronous read costs ~15 µs where `fs.promises.readFile` costs
 * ~100 µs in thread-pool round trips (open, stat, read, close) that also compete with sharp's
 * decoding for libuv's threads. Only a regular file of at most `MAX_IMAGE_FILE_BYTES` is read.
 */
function readSource(root: string, file: FolderFile): Buffer | ImageDecodeError {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(root, file.file), OPEN_FLAGS);
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return new ImageDecodeError(notAFileReason(specialFileKind(stats) ?? 'a folder'));
    if (stats.size > MAX_IMAGE_FILE_BYTES) {
      return new ImageDecodeError(`too large for an image file: ${mebibytes(stats.size)} (the limit is ${mebibytes(MAX_IMAGE_FILE_BYTES)})`);
    }
    return readWhole(fd, stats.size);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return new ImageDecodeError(`cannot read the file (${code})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The first `size` bytes of an open file, fewer if it was cut short since it was measured. */
function readWhole(fd: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const read = fs.readSync(fd, bytes, filled, size - filled, filled);
    if (read === 0) break;
    filled += read;
  }
  return bytes.subarray(0, filled);
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Writes through `write` to a temporary name beside `target`, then renames it: readers see no file or a whole one. */
async function writeAtomically(target: string, write: (tempPath: string) => void | Promise<void>): Promise<void> {
  const tempPath = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await write(tempPath);
    fs.renameSync(tempPath, target);
  } catch (error) {
    fs.rmSync(tempPath, { force: true });
    throw error;
  }
}
