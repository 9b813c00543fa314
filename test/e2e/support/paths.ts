import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Screenshots and logs of e2e runs (git-ignored, created on demand). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test', 'e2e', 'artifacts');
