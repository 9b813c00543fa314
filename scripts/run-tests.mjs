// Runs every test file with Node's test runner (TypeScript through tsx). Node 20's --test takes
// no globs, so the files are collected here. Pass folders or files to run a subset: `unit integration`, `e2e/panel.e2e.test.ts`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).length ? process.argv.slice(2).map((r) => join('test', r)) : ['test/unit', 'test/integration'];
const files = [];
const walk = (dir) => {
  if (!statSync(dir).isDirectory()) return void files.push(dir);
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
roots.forEach(walk);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
