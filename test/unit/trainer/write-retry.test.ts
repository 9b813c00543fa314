/**
 * A checkpoint that cannot be written (a file system gone read-only, lost permissions) pauses the
 * run and is written again after a resume that finds the folder writable: `retryingWrites`, with
 * EROFS and EACCES injected as CI (root) would never meet them from the real file system.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeAtomically } from '../../../src/node/atomicWrite';
import type { RunEvent, RunRecord } from '../../../src/shared/runs/format';
import { CommandInbox } from '../../../src/trainer/runs/commandInbox';
import { fileIo, RunFolder, type RunFolderIo } from '../../../src/trainer/runs/runFolder';
import { RunControl } from '../../../src/trainer/training/runControl';
import { Suggestions } from '../../../src/trainer/training/suggestions';

const fault = (code: string) => Object.assign(new Error(`${code}: refused, open 'checkpoints/.epoch-0003.tmp'`), { code });

for (const code of ['EROFS', 'EACCES']) {
  test(`a checkpoint write refused with ${code} pauses the run, says why, and is written once a resume finds the folder writable`, async () => {
    let refusing = true;
    const disk: RunFolderIo = {
      append: (fd, text) => fileIo.append(fd, text),
      replace: (path, text) => {
        if (refusing) throw fault(code);
        writeAtomically(path, text);
      },
      overwrite: (path, text) => fileIo.overwrite(path, text),
    };
    const run = RunFolder.create({
      runsDir: mkdtempSync(join(tmpdir(), 'jointrain-retry-')),
      experimentPath: '/w/x.jointrain.yaml',
      experimentText: 'version: 1\n',
      experimentName: 'x',
      seed: 1,
      totalEpochs: 5,
      io: disk,
    });
    const inbox = new CommandInbox(run.path('control.jsonl'));
    const events: RunEvent[] = [];
    const emit = (event: RunEvent) => events.push(event);
    const warnings: string[] = [];
    const control = new RunControl(inbox, { request: () => undefined }, run, emit, new Suggestions(emit), (message) => {
      warnings.push(message);
      // The user resumes: first while the folder still refuses, then once it is fixed.
      if (warnings.length === 2) refusing = false;
      inbox.submit({ type: 'resume' });
    });

    let attempts = 0;
    const saved = await control.retryingWrites(3, 7, async () => {
      attempts++;
      if (attempts === 1) throw fault(code);
      return 'epoch-0003';
    });
    run.close();
    inbox.close();

    assert.equal(saved, 'epoch-0003');
    assert.equal(attempts, 2, 'written again once, after the resume');
    const meaning = code === 'EROFS' ? 'the file system is read-only' : 'permission denied';
    assert.match(
      warnings[0] ?? '',
      new RegExp(`^cannot write to .*: ${meaning} \\(${code}\\): training is paused; free space or fix permissions, then resume the run$`),
    );
    assert.match(warnings[1] ?? '', /still not writable; the run stays paused$/);
    assert.deepEqual(
      events.map((event) => event.kind),
      ['paused', 'resumed'],
    );
    const record = JSON.parse(readFileSync(run.path('run.json'), 'utf8')) as RunRecord;
    assert.equal(record.status, 'running', 'run.json is whole and running again');
    assert.equal(record.error, undefined);
  });
}

test('a write that fails for another reason is not retried: it fails the run at once', async () => {
  const run = RunFolder.create({
    runsDir: mkdtempSync(join(tmpdir(), 'jointrain-retry-')),
    experimentPath: '/w/x.jointrain.yaml',
    experimentText: 'version: 1\n',
    experimentName: 'x',
    seed: 1,
    totalEpochs: 5,
  });
  const inbox = new CommandInbox(run.path('control.jsonl'));
  const emit = () => undefined;
  const control = new RunControl(inbox, { request: () => undefined }, run, emit, new Suggestions(emit), () => undefined);
  await assert.rejects(
    control.retryingWrites(1, 1, () => Promise.reject(new TypeError('a bug'))),
    /a bug/,
  );
  run.close();
  inbox.close();
});
