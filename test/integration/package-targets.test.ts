/**
 * `npm run package:targets` (scripts/package-targets.mjs): one VSIX per VS Code target, each with
 * its own Dawn directory and sharp binaries only. Packages two targets, each from its own staging
 * install: this machine's, whose sharp must load from the unpacked VSIX and encode an image here, and
 * a foreign one, whose sharp binaries npm fetches for it (`npm ci --os --cpu`). Needs `npm run
 * build` (as `npm test` does) and the npm registry; about half a minute per target.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

const ROOT = resolve(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'package-targets.mjs');

/** The targets the script builds and the webgpu/dist directory each one's Dawn comes from. */
const DAWN: Record<string, string> = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};
const LOCAL = `${process.platform}-${process.arch}`;
const FOREIGN = LOCAL === 'win32-x64' ? 'linux-x64' : 'win32-x64';

interface Entry {
  name: string;
  data: Buffer;
}

/** Every entry of a zip with its uncompressed bytes (a VSIX is tens of MB). */
async function readZip(file: string): Promise<Entry[]> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(file, { lazyEntries: true });
  const entries: Entry[] = [];
  await new Promise<void>((done, fail) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return fail(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', fail);
        stream.on('end', () => {
          entries.push({ name: entry.fileName, data: Buffer.concat(chunks) });
          zip.readEntry();
        });
      });
    });
    zip.on('end', done);
    zip.on('error', fail);
    zip.readEntry();
  });
  zip.close();
  return entries;
}

/** The distinct first path segments below a prefix. */
function dirsUnder(entries: Entry[], prefix: string): string[] {
  return [...new Set(entries.filter((e) => e.name.startsWith(prefix)).map((e) => e.name.slice(prefix.length).split('/')[0] as string))].sort();
}

const sharpFor = (target: string) => [`sharp-${target}`, ...(target.startsWith('win32') ? [] : [`sharp-libvips-${target}`])].sort();

let out: string;
const vsix = new Map<string, Entry[]>();

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'trainer.js')), 'build first: npm run build');
  const glibc =
    process.platform !== 'linux' || Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
  assert.ok(LOCAL in DAWN && glibc, `package:targets builds ${Object.keys(DAWN).join(', ')} (glibc on Linux); this machine is ${LOCAL}`);
  out = mkdtempSync(join(tmpdir(), 'jointrain-package-targets-'));
  // One run per target, side by side: each stages and packages on its own, and vsce's file
  // matching keeps a core busy for most of a run.
  await Promise.all(
    [LOCAL, FOREIGN].map(async (target) => {
      const run = promisify(execFile)(process.execPath, [SCRIPT, '--no-build', '--out-dir', out, target], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 600_000,
        maxBuffer: 64 * 2 ** 20,
      });
      const failed = await run.then(
        () => undefined,
        (error: Error & { stdout?: string; stderr?: string }) => `${error.message}\n${error.stdout?.slice(-3000) ?? ''}\n${error.stderr?.slice(-3000) ?? ''}`,
      );
      assert.equal(failed, undefined, `packaging ${target} failed: ${failed}`);
      vsix.set(target, await readZip(join(out, `jointrain-${target}.vsix`)));
    }),
  );
});

after(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

for (const target of [LOCAL, FOREIGN]) {
  test(`the ${target} VSIX holds ${target}'s Dawn and sharp binaries and no other platform's`, () => {
    const entries = vsix.get(target) ?? [];
    assert.deepEqual(dirsUnder(entries, 'extension/node_modules/webgpu/dist/'), [DAWN[target]]);
    assert.ok(entries.some((e) => e.name === `extension/node_modules/webgpu/dist/${DAWN[target]}/dawn.node`));
    assert.deepEqual(
      dirsUnder(entries, 'extension/node_modules/@img/').filter((dir) => dir.startsWith('sharp-')),
      sharpFor(target),
    );
    const manifest = entries.find((e) => e.name === 'extension.vsixmanifest')?.data.toString('utf8') ?? '';
    assert.match(manifest, new RegExp(`TargetPlatform="${target}"`));
    // Still what the trainer loads from disk; never tfjs-node, which only its install script completes.
    for (const file of [
      'dist/trainer.js',
      'node_modules/sharp/package.json',
      'node_modules/webgpu/index.js',
      'node_modules/@tensorflow/tfjs/dist/tf.node.js',
    ]) {
      assert.ok(
        entries.some((e) => e.name === `extension/${file}`),
        `${target}: ${file} is missing`,
      );
    }
    assert.ok(entries.some((e) => /^extension\/node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/.*\.wasm$/.test(e.name)));
    assert.deepEqual(
      dirsUnder(entries, 'extension/node_modules/@tensorflow/').filter((dir) => dir.startsWith('tfjs-node')),
      [],
    );
  });
}

test(`sharp from the ${LOCAL} VSIX, unpacked on its own, loads here and encodes an image`, () => {
  const unpacked = join(out, 'unpacked');
  for (const entry of vsix.get(LOCAL) ?? []) {
    if (!entry.name.startsWith('extension/node_modules/') || entry.name.endsWith('/')) continue;
    const file = join(unpacked, entry.name.slice('extension/'.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, entry.data);
  }
  const sharpDir = join(unpacked, 'node_modules', 'sharp');
  const script = `
    const sharp = require(${JSON.stringify(sharpDir)});
    sharp({ create: { width: 3, height: 2, channels: 3, background: '#c04020' } }).png().toBuffer()
      .then((png) => sharp(png).metadata())
      .then(({ format, width, height }) => console.log(JSON.stringify({ format, width, height, bindings: Object.keys(require.cache).filter((f) => f.endsWith('.node')) })));`;
  // Run from the unpacked folder, outside the project: nothing can resolve from its node_modules.
  const result = spawnSync(process.execPath, ['-e', script], { cwd: unpacked, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  const loaded = JSON.parse(result.stdout) as { format: string; width: number; height: number; bindings: string[] };
  assert.deepEqual({ format: loaded.format, width: loaded.width, height: loaded.height }, { format: 'png', width: 3, height: 2 });
  assert.ok(
    loaded.bindings.length > 0 && loaded.bindings.every((file) => file.startsWith(join(unpacked, 'node_modules', '@img', `sharp-${LOCAL}`))),
    loaded.bindings.join(', '),
  );
});
