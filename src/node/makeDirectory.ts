import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates a folder and its missing parents, one `mkdir` each, and throws the first error. Node's
 * `mkdirSync(path, { recursive: true })` retries for ever where mkdir answers ENOENT although the
 * parent exists (a folder under /proc): `--runs-dir /proc/1` spun a core and ignored SIGTERM.
 */
export function makeDirectorySync(path: string): void {
  const missing: string[] = [];
  for (let current = resolve(path); !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      // Another process may have made it meanwhile.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
