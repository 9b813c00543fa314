/** Where the benchmarks keep their scratch data: `bench/.work/` (git-ignored, safe to delete). */
import fs from 'node:fs';
import path from 'node:path';

const WORK_DIR = path.join(__dirname, '.work');

export function workPath(...parts: string[]): string {
  return path.join(WORK_DIR, ...parts);
}

/** An empty folder under the work dir: whatever a previous run left there is removed first. */
export function freshWorkDir(...parts: string[]): string {
  const dir = workPath(...parts);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
