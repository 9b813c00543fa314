import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../../src/trainer/errors';
import { describeSystemError, runSystemError } from '../../../src/trainer/systemErrors';

const systemError = (code: string, path?: string) => Object.assign(new Error(`${code}: something, open '${path}'`), { code, ...(path ? { path } : {}) });

test('a system error reads as its path, what happened and the code, with a fix', () => {
  assert.deepEqual(describeSystemError(systemError('ENOSPC', '/runs/r1/model/weights.bin')), {
    message: '/runs/r1/model/weights.bin: the disk is full (ENOSPC)',
    fix: 'free some space',
  });
  assert.deepEqual(describeSystemError(systemError('EMFILE')), { message: 'too many open files (EMFILE)', fix: 'raise the limit (ulimit -n) and try again' });
  for (const code of ['EACCES', 'EPERM', 'EROFS', 'EDQUOT', 'EIO', 'ENOENT', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG']) {
    assert.ok(describeSystemError(systemError(code, '/x'))?.message.endsWith(`(${code})`), code);
  }
});

test('other errors, and codes that are no system error, are left alone', () => {
  assert.equal(describeSystemError(new RangeError('Invalid array length')), undefined);
  assert.equal(describeSystemError(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' })), undefined);
  assert.equal(describeSystemError(undefined), undefined);
  const bug = new TypeError('x is undefined');
  assert.equal(runSystemError(bug, { dir: '/runs/r1', resumable: true }), bug);
});

test('a run’s system error says how to go on: resume when a checkpoint is there, else run again', () => {
  const resumable = runSystemError(systemError('ENOSPC', '/runs/r1/model'), { dir: '/runs/r1', resumable: true });
  assert.ok(resumable instanceof UserError);
  assert.equal(resumable.message, '/runs/r1/model: the disk is full (ENOSPC)');
  assert.equal(resumable.hint, 'free some space, then continue the run with `jointrain resume /runs/r1`');
  const fresh = runSystemError(systemError('EACCES', '/cache'), undefined) as UserError;
  assert.match(fresh.hint ?? '', /, then run it again$/);
});
