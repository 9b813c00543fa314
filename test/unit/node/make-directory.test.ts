import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDirectorySync } from '../../../src/node/makeDirectory';

test('missing parents are made one by one, and an existing folder is fine', () => {
  const root = mkdtempSync(join(tmpdir(), 'jt-mkdir-'));
  try {
    makeDirectorySync(join(root, 'a', 'b', 'c'));
    assert.ok(statSync(join(root, 'a', 'b', 'c')).isDirectory());
    makeDirectorySync(join(root, 'a', 'b', 'c'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a folder that cannot be made is an error at once, not a loop (mkdir -p under /proc spins in Node)', () => {
  // Linux only, as is the loop it guards against; CI and development run on Linux.
  assert.ok(existsSync('/proc/1'), 'this test needs Linux /proc');
  assert.throws(() => makeDirectorySync('/proc/1/jointrain-runs/run'), /ENOENT|EACCES|EPERM/);
});
