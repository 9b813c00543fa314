/** The walls of ARCHITECTURE.md: which room may import what. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');

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
  return sources(dir).flatMap((file) => importsOf(file).filter(forbidden).map((specifier) => `${relative(ROOT, file)} imports ${specifier}`));
}

const NODE_BUILTIN = /^(node:|fs$|path$|os$|child_process$|net$|stream$|readline$|crypto$)/;

test('src/shared imports no vscode, no node I/O and nothing from the other rooms', () => {
  assert.deepEqual(
    violations('src/shared', (s) => s === 'vscode' || NODE_BUILTIN.test(s) || /\/(trainer|extension)\//.test(s) || s.includes('webview')),
    [],
  );
});

test('src/trainer never imports vscode, the extension or the webview', () => {
  assert.deepEqual(violations('src/trainer', (s) => s === 'vscode' || s.includes('/extension/') || s.includes('webview')), []);
});

test('src/extension never imports the trainer or tfjs: it orchestrates, it does not train', () => {
  assert.deepEqual(violations('src/extension', (s) => s.includes('/trainer/') || s.startsWith('@tensorflow/') || s.includes('webview/')), []);
});

test('src/node uses Node and src/shared only: never vscode, tfjs or another room', () => {
  assert.deepEqual(violations('src/node', (s) => s === 'vscode' || s.startsWith('@tensorflow/') || /\/(trainer|extension|webview)\//.test(s) || s.includes('webview')), []);
});

test('the webview imports no vscode, no Node, no tfjs and no other room: it renders and posts intent', () => {
  assert.deepEqual(
    violations('webview', (s) => s === 'vscode' || NODE_BUILTIN.test(s) || s.startsWith('@tensorflow/') || /\/(trainer|extension|node)\//.test(s)),
    [],
  );
});

test('examples never import the host or the panel', () => {
  assert.deepEqual(violations('examples', (s) => s === 'vscode' || /\/(extension|webview)\//.test(s)), []);
});

test('production code never imports examples/: what the product needs lives in src/', () => {
  assert.deepEqual(violations('src', (s) => /(^|\/)examples\//.test(s)), []);
});
