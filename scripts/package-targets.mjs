// Builds one VSIX per VS Code target platform (`vsce package --target`):
//   npm run package:targets                         all six targets
//   npm run package:targets -- linux-x64 win32-x64  some of them
// Options: --out-dir DIR (default: the project root; files are jointrain-<target>.vsix) and
// --no-build (package the dist/ already there instead of running `npm run build` first).
//
// `npm run package` takes node_modules as it is on the packaging machine: Dawn's dawn.node for all
// five platforms (webgpu ships them all) and sharp's binaries for that machine only. Here each
// target gets a staging copy of the project whose node_modules npm installs from the lock file for
// that target (`npm ci --os --cpu --libc`, as sharp documents for cross-platform installs), so the
// developer's node_modules is never touched and each VSIX holds that target's sharp and Dawn only.
// Linux targets are glibc; musl (alpine-x64, alpine-arm64) is not built.
import { createVSIX, listFiles, PackageManager } from '@vscode/vsce';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import yauzlCallbacks from 'yauzl';

const yauzl = { open: promisify(yauzlCallbacks.open) };

/** Each target's npm platform and the webgpu/dist directory its Dawn build sits in (macOS has one universal binary). */
const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc', dawn: 'linux-x64' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc', dawn: 'linux-arm64' },
  'darwin-x64': { os: 'darwin', cpu: 'x64', dawn: 'darwin-universal' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64', dawn: 'darwin-universal' },
  'win32-x64': { os: 'win32', cpu: 'x64', dawn: 'win32-x64' },
  'win32-arm64': { os: 'win32', cpu: 'arm64', dawn: 'win32-arm64' },
};

const root = fileURLToPath(new URL('..', import.meta.url));

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'out-dir': { type: 'string' }, 'no-build': { type: 'boolean' } },
});
const targets = positionals.length > 0 ? positionals : Object.keys(TARGETS);
const unknown = targets.filter((target) => !(target in TARGETS));
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}: the targets are ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}
const outDir = path.resolve(options['out-dir'] ?? root);
mkdirSync(outDir, { recursive: true });

if (!options['no-build']) npm(['run', 'build'], root);
if (!existsSync(path.join(root, 'dist', 'trainer.js'))) throw new Error('dist/trainer.js is missing: run `npm run build` (or drop --no-build)');

// What the VSIX takes from outside node_modules, by the same .vscodeignore that `npm run package` uses.
const projectFiles = await listFiles({ cwd: root, packageManager: PackageManager.None });

for (const target of targets) {
  const started = Date.now();
  const stage = mkdtempSync(path.join(tmpdir(), `jointrain-vsix-${target}-`));
  try {
    stageProject(stage);
    const sharp = installFor(target, stage);
    const out = path.join(outDir, `jointrain-${target}.vsix`);
    await createVSIX({ cwd: stage, target, packagePath: out, useYarn: false, allowMissingRepository: true, rewriteRelativeLinks: false });
    const entries = await zipEntries(out);
    checkVsix(target, entries, sharp);
    const unpacked = entries.reduce((sum, entry) => sum + entry.size, 0);
    const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    console.log(
      `${path.relative(process.cwd(), out) || out}: ${target}, ${entries.length} files, ${mb(statSync(out).size)} (${mb(unpacked)} unpacked), ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function stageProject(stage) {
  for (const file of projectFiles) cpSync(path.join(root, file), path.join(stage, file));
  cpSync(path.join(root, '.vscodeignore'), path.join(stage, '.vscodeignore'));
  cpSync(path.join(root, 'package-lock.json'), path.join(stage, 'package-lock.json'));
  // vsce runs vscode:prepublish (the build) in the folder it packages; the stage has no sources or
  // esbuild, and dist/ was built above. The VSIX's package.json differs from the project's by this one script.
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  delete manifest.scripts['vscode:prepublish'];
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function installFor(target, stage) {
  const { os, cpu, libc, dawn } = TARGETS[target];
  // The lock file lists every platform's optional packages; --os/--cpu/--libc pick the target's.
  // No scripts: the only one that matters, tfjs-node's, downloads libtensorflow for the machine
  // that runs it, never for the target.
  const platform = [`--os=${os}`, `--cpu=${cpu}`, ...(libc ? [`--libc=${libc}`] : [])];
  npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...platform], stage);
  const modules = path.join(stage, 'node_modules');
  // Without its install script tfjs-node has no libtensorflow, and the VSIX would not carry its
  // dependencies: half a package for the trainer to trip on. Users add it on their own machine with
  // the Install native backend command, where its install script runs.
  for (const name of ['tfjs-node', 'tfjs-node-gpu']) rmSync(path.join(modules, '@tensorflow', name), { recursive: true, force: true });
  const dawnDirs = path.join(modules, 'webgpu', 'dist');
  if (!existsSync(dawnDirs)) throw new Error(`${target}: npm did not install webgpu`);
  for (const dir of readdirSync(dawnDirs)) if (dir !== dawn) rmSync(path.join(dawnDirs, dir), { recursive: true, force: true });
  if (!existsSync(path.join(dawnDirs, dawn, 'dawn.node'))) throw new Error(`${target}: webgpu has no dist/${dawn}/dawn.node`);

  // npm skips an optional package it cannot fetch, or one its --os/--cpu/--libc support does not
  // match, without failing: a VSIX without sharp's binary would build and then fail on image data.
  const installed = (existsSync(path.join(modules, '@img')) ? readdirSync(path.join(modules, '@img')) : [])
    .filter((name) => name.startsWith('sharp-'))
    .map((name) => `@img/${name}`)
    .sort();
  // sharp's binding for the target and, except on Windows where the binding carries it, libvips:
  // whichever of the two sharp lists.
  const optional = Object.keys(JSON.parse(readFileSync(path.join(modules, 'sharp', 'package.json'), 'utf8')).optionalDependencies ?? {});
  const expected = [`@img/sharp-${os}-${cpu}`, `@img/sharp-libvips-${os}-${cpu}`].filter((name) => optional.includes(name)).sort();
  if (expected.length === 0 || installed.join() !== expected.join()) {
    throw new Error(
      `${target}: npm installed sharp's ${installed.join(', ') || 'nothing'} instead of ${expected.join(', ')} (an npm that ignores --os/--cpu/--libc, or no registry?)`,
    );
  }
  return expected;
}

function checkVsix(target, entries, expectedSharp) {
  const names = entries.map((entry) => entry.name);
  const under = (prefix) => [...new Set(names.filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length).split('/')[0]))].sort();
  const dawn = under('extension/node_modules/webgpu/dist/');
  const sharp = under('extension/node_modules/@img/')
    .filter((name) => name.startsWith('sharp-'))
    .map((name) => `@img/${name}`);
  if (dawn.join() !== TARGETS[target].dawn || sharp.join() !== expectedSharp.join()) {
    const holds = `Dawn ${dawn.join(', ') || 'none'} and sharp ${sharp.join(', ') || 'none'}`;
    throw new Error(`${target}: the VSIX holds ${holds}, not Dawn ${TARGETS[target].dawn} and sharp ${expectedSharp.join(', ')}`);
  }
}

/** A zip's entries, names and uncompressed sizes, from its central directory (yauzl reads no file data for it). */
async function zipEntries(file) {
  const zip = await yauzl.open(file, { lazyEntries: true });
  const entries = [];
  await new Promise((resolve, reject) => {
    zip.on('entry', (entry) => {
      entries.push({ name: entry.fileName, size: entry.uncompressedSize });
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  zip.close();
  return entries;
}

function npm(args, cwd) {
  // Under `npm run`, npm_execpath is npm's own CLI script: running it with this Node works the same
  // on every OS (npm.cmd on Windows cannot be spawned without a shell).
  const execpath = process.env.npm_execpath;
  const result = execpath?.endsWith('.js')
    ? spawnSync(process.execPath, [execpath, ...args], { cwd, stdio: 'inherit' })
    : spawnSync('npm', args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd} (${result.error?.message ?? `exit ${result.status}`})`);
}
