/**
 * The extension "installed" into a throwaway extensions folder the way VS Code lays one out:
 * `<extensionsDir>/<publisher>.<name>-<version>/`. The manifest, bundles, CLI shim and media are
 * copied (small); node_modules is a symlink to the repository's, so no VSIX has to be packed.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './paths';

const Manifest = z.object({ publisher: z.string(), name: z.string(), version: z.string(), main: z.string() });

const COPIED = ['package.json', 'dist', 'bin', 'media'] as const;

/** Returns the extension's folder. */
export function installExtensionFolder(extensionsDir: string): string {
  const manifest = Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')));
  if (!existsSync(join(REPO_ROOT, manifest.main))) {
    throw new Error(`${manifest.main} is missing: run \`npm run build\` first (npm run test:e2e does).`);
  }
  const folder = join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  mkdirSync(folder, { recursive: true });
  for (const entry of COPIED) cpSync(join(REPO_ROOT, entry), join(folder, entry), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(folder, 'node_modules'), 'dir');
  return folder;
}
