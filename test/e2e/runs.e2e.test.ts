/**
 * Runs in real VS Code: a run started from the palette is followed in the Runs view and status
 * bar, paused, resumed and stopped from the palette, and survives a window reload.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_EXPERIMENT, exampleWorkspace, runFolders, waitForRunEvents, waitForRunFile, waitForRunRecord } from './support/exampleWorkspace';
import { vsCodeTest } from './support/session';
import type { Workbench } from './support/workbench';

const TRAINING_TIMEOUT_MS = 150_000;

/** The example with a given number of epochs, so a scenario has time to act on a live run. */
function exampleWithEpochs(epochs: number) {
  return async (folder: string): Promise<void> => {
    await exampleWorkspace(folder);
    const file = join(folder, EXAMPLE_EXPERIMENT);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}epochs: \d+/m, `  epochs: ${epochs}`));
  };
}

async function startFromPalette(workbench: Workbench): Promise<void> {
  await workbench.openFile(EXAMPLE_EXPERIMENT);
  await workbench.runCommand('Start joint training');
  await workbench.openView('Runs');
}

const runRow = (workbench: Workbench, status: RegExp) => workbench.treeItem(status).first();

vsCodeTest(
  'a run started from the palette appears in the Runs view, reaches epoch 2, and pauses, resumes and stops on command',
  { workspace: exampleWithEpochs(400), trust: 'trusted' },
  async ({ workbench, workspace }) => {
    await startFromPalette(workbench);
    const runDir = await waitForRunFile(workspace, 'run.json', 60_000);
    await runRow(workbench, /epoch ([2-9]|\d\d+) of 400 \(running\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    await workbench.page
      .locator('.part.statusbar')
      .getByText(/digits · epoch \d+ of 400 \((running|paused)\) · step \d+\/\d+ · worst /)
      .waitFor();
    await workbench.screenshot('runs-epoch-2');

    await workbench.runCommand('jointrain: Pause run');
    await workbench.pickQuickItem(/digits/);
    await runRow(workbench, /epoch \d+ of \d+ \(paused\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    await waitForRunRecord(runDir, (r) => r.status === 'paused', 'status paused');
    await workbench.screenshot('runs-paused');

    await workbench.runCommand('jointrain: Resume run');
    await workbench.pickQuickItem(/digits/);
    await runRow(workbench, /epoch \d+ of \d+ \(running\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });

    await workbench.runCommand('jointrain: Stop run');
    await workbench.pickQuickItem(/digits/);
    await runRow(workbench, /epoch \d+ of \d+ \(stopped\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    await waitForRunRecord(runDir, (r) => r.status === 'stopped', 'status stopped');
    const events = await waitForRunEvents(runDir, (all) => all.some((e) => e.kind === 'stopped'), 'a stopped event');
    const control = events.map((e) => e.kind).filter((kind) => ['paused', 'resumed', 'stopped'].includes(kind));
    assert.deepEqual(control, ['paused', 'resumed', 'stopped']);
    await workbench.screenshot('runs-stopped');
  },
);

vsCodeTest(
  'a window reload does not stop training: the extension reattaches to the live run, controls it, and the run finishes',
  { workspace: exampleWithEpochs(25), trust: 'trusted' },
  async ({ workbench, workspace }) => {
    await startFromPalette(workbench);
    const runDir = await waitForRunFile(workspace, 'run.json', 60_000);
    await runRow(workbench, /epoch ([2-9]|\d\d+) of 25 \(running\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    const { pid } = await waitForRunRecord(runDir, () => true, 'readable');
    // Paused, so the run is certainly still live when the new window comes up, however fast it trains.
    await workbench.runCommand('jointrain: Pause run');
    await workbench.pickQuickItem(/digits/);
    await runRow(workbench, /epoch \d+ of \d+ \(paused\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });

    await workbench.reloadWindow();
    await workbench.openView('Runs');
    await runRow(workbench, /epoch \d+ of \d+ \(paused\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    await workbench.screenshot('runs-after-reload');
    await workbench.runCommand('jointrain: Resume run');
    await workbench.pickQuickItem(/digits/);
    // Live steps in the status bar come over the channel the reloaded window re-opened.
    await workbench.page
      .locator('.part.statusbar')
      .getByText(/digits · epoch \d+ of 25 \(\w+\) · step \d+/)
      .waitFor({ timeout: TRAINING_TIMEOUT_MS });
    await runRow(workbench, /epoch 25 of 25 \(completed\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    const record = await waitForRunRecord(runDir, (r) => r.status === 'completed', 'status completed');
    assert.equal(record.pid, pid, 'the same trainer process finished the run');
    await workbench.screenshot('runs-completed-after-reload');
  },
);

vsCodeTest(
  'an invalid experiment does not launch: its errors go to the Problems panel, which the message offers to show',
  {
    workspace: async (folder) => {
      await exampleWorkspace(folder);
      const file = join(folder, EXAMPLE_EXPERIMENT);
      writeFileSync(file, readFileSync(file, 'utf8').replace('  batch_size: 64', '  bach_size: 64'));
    },
    trust: 'trusted',
  },
  async ({ workbench, workspace }) => {
    await workbench.openFile(EXAMPLE_EXPERIMENT);
    await workbench.runCommand('Start joint training');
    const message = workbench.notification(/digits\.jointrain\.yaml has 1 error\. Fix it to start training\./);
    await message.waitFor();
    await message.getByRole('button', { name: 'Show Problems' }).click();
    await workbench.waitForText(/training: unknown key "bach_size" — did you mean "batch_size"\?|bach_size/);
    await workbench.screenshot('invalid-experiment-problems');
    assert.deepEqual(runFolders(workspace), []);
  },
);

vsCodeTest(
  'a trainer killed with SIGKILL shows as failed, and "Resume from last checkpoint" continues the run in the same folder',
  { workspace: exampleWithEpochs(400), trust: 'trusted' },
  async ({ workbench, workspace }) => {
    await startFromPalette(workbench);
    const runDir = await waitForRunFile(workspace, 'run.json', 60_000);
    await runRow(workbench, /epoch ([2-9]|\d\d+) of 400 \(running\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    const { pid: killed } = await waitForRunRecord(runDir, () => true, 'readable');
    process.kill(killed, 'SIGKILL');
    // Nothing is written by a killed process: the extension notices the dead pid and says so.
    await runRow(workbench, /epoch \d+ of \d+ \(failed\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    const checkpoint = readFileSync(join(runDir, 'checkpoints', 'latest'), 'utf8').trim();

    await workbench.runContextMenuCommand(runRow(workbench, /epoch \d+ of \d+ \(failed\)/), 'Resume from last checkpoint');
    // When the tree refreshes under the menu, VS Code runs the command without its item, and the
    // command asks which run, as it does from the palette: answer it.
    const running = runRow(workbench, /epoch \d+ of \d+ \(running\)/);
    // Its rows are labelled by run id with the status as description: the failed run's row, and only
    // that one — a later question (Stop run) lists the same run as running and must be left alone.
    const failedRunRow = workbench.page.locator('.quick-input-widget .quick-input-list .monaco-list-row[aria-label*="digits · failed"]');
    const answer = failedRunRow.click({ timeout: TRAINING_TIMEOUT_MS }).catch(() => undefined);
    await Promise.race([running.waitFor({ timeout: TRAINING_TIMEOUT_MS }), answer]);
    await running.waitFor({ timeout: TRAINING_TIMEOUT_MS });
    // The row says running as soon as the resumed trainer starts; `resumes` is written once it has
    // loaded the data, the model and the checkpoint.
    const resumed = await waitForRunRecord(runDir, (r) => (r.resumes?.length ?? 0) > 0, 'a resume recorded');
    assert.notEqual(resumed.pid, killed);
    assert.equal(resumed.resumes?.[0]?.checkpoint, checkpoint);
    assert.equal(runFolders(workspace).length, 1, 'the same run folder, not a new run');
    await workbench.screenshot('runs-resumed');

    await workbench.runCommand('jointrain: Stop run');
    await workbench.pickQuickItem(/digits/);
    await runRow(workbench, /epoch \d+ of \d+ \(stopped\)/).waitFor({ timeout: TRAINING_TIMEOUT_MS });
  },
);
