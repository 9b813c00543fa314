import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Writes a file whole or not at all: a temporary file beside it, flushed to disk (so a power cut or
 * a killed machine cannot leave the rename pointing at missing data), then renamed over the target.
 * The temporary name ends in `.tmp-<pid>`, so a resumed run can recognise and remove the leftovers
 * of a killed writer.
 */
export function writeAtomically(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
