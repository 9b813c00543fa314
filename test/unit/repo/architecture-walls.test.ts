/** The walls of ARCHITECTURE.md: which room may import what. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  const absolute = join(ROOT, dir);
  return readdirSync(absolute).flatMap((name) => {
    const path = join(absolute, name);
    if (statSync(path).isDirectory()) return sources(relative(ROOT, path));
    return name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)].map((match) => match[1] as string);
}

function violations(dir: string, forbidden: (specifier: string) => boolean): string[] {
  return sources(dir).flatMap((file) =>
    importsOf(file)
      .filter(forbidden)
      .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
  );
}

const NODE_BUILTIN = /^(node:|fs$|path$|os$|child_process$|net$|stream$|readline$|crypto$)/;

test('src/shared imports no vscode, no node I/O and nothing from the other rooms', () => {
  assert.deepEqual(
    violations('src/shared', (s) => s === 'vscode' || NODE_BUILTIN.test(s) || /\/(trainer|extension)\//.test(s) || s.includes('webview')),
    [],
  );
});

test('src/trainer never imports vscode, the extension or the webview', () => {
  assert.deepEqual(
    violations('src/trainer', (s) => s === 'vscode' || s.includes('/extension/') || s.includes('webview')),
    [],
  );
});

test('src/extension never imports the trainer or tfjs: it orchestrates, it does not train', () => {
  assert.deepEqual(
    violations('src/extension', (s) => s.includes('/trainer/') || s.startsWith('@tensorflow/') || s.includes('webview/')),
    [],
  );
});

test('src/node uses Node and src/shared only: never vscode, tfjs or another room', () => {
  assert.deepEqual(
    violations('src/node', (s) => s === 'vscode' || s.startsWith('@tensorflow/') || /\/(trainer|extension|webview)\//.test(s) || s.includes('webview')),
    [],
  );
});

test('the webview imports no vscode, no Node, no tfjs and no other room: it renders and posts intent', () => {
  assert.deepEqual(
    violations('webview', (s) => s === 'vscode' || NODE_BUILTIN.test(s) || s.startsWith('@tensorflow/') || /\/(trainer|extension|node)\//.test(s)),
    [],
  );
});

test('examples never import the host or the panel', () => {
  assert.deepEqual(
    violations('examples', (s) => s === 'vscode' || /\/(extension|webview)\//.test(s)),
    [],
  );
});

test('production code never imports examples/: what the product needs lives in src/', () => {
  assert.deepEqual(
    violations('src', (s) => /(^|\/)examples\//.test(s)),
    [],
  );
});

/** The files `file` imports from this repository (type-only imports included), resolved to paths. */
function localImports(file: string): string[] {
  return importsOf(file)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => join(dirname(file), specifier))
    .flatMap((base) => [`${base}.ts`, join(base, 'index.ts')].filter((candidate) => existsSync(candidate)).slice(0, 1));
}

/** Every import cycle among `files`, each as the chain of files that closes it. */
function importCycles(files: string[]): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(ROOT, f)));
      return;
    }
    state.set(file, 'open');
    for (const next of localImports(file)) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  files.forEach((file) => visit(file, []));
  return cycles;
}

test('no import cycles in src/ or webview/, type-only imports included: each module can be read without the ones that use it', () => {
  assert.deepEqual(importCycles([...sources('src'), ...sources('webview')]), []);
});

test('the cycle check finds a cycle when there is one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jt-cycle-'));
  try {
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = B;\n");
    writeFileSync(join(dir, 'b.ts'), "import { c } from './c';\nexport type B = string;\nexport const b = c;\n");
    writeFileSync(join(dir, 'c.ts'), "import type { A } from './a';\nexport const c: A = '';\n");
    assert.deepEqual(
      importCycles([join(dir, 'a.ts')]).map((cycle) => cycle.map((f) => f.split('/').pop())),
      [['a.ts', 'b.ts', 'c.ts', 'a.ts']],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the extension host never waits on the disk: no synchronous fs calls in src/extension', () => {
  const calls = sources('src/extension').flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\b([a-z][A-Za-z]*Sync)\(/g)].map((match) => `${relative(ROOT, file)}: ${match[1] as string}(`),
  );
  assert.deepEqual(calls, []);
});

/** The folders of test/unit: one per room, mirroring src/ and webview/, and repo/ for checks of the repository as a whole. */
const UNIT_TEST_ROOMS = ['shared', 'trainer', 'extension', 'node', 'webview', 'repo'];

test('every unit test sits in the folder of its room (test/unit/shared, trainer, extension, node, webview) or in test/unit/repo', () => {
  const misplaced = sources('test/unit')
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => relative(join(ROOT, 'test', 'unit'), file))
    .filter((file) => !UNIT_TEST_ROOMS.includes(file.split(/[\\/]/)[0] as string));
  assert.deepEqual(misplaced, []);
});
