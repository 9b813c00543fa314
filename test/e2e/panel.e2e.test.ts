/**
 * The training panel in real VS Code: opened on a live run from the Runs view, it shows every
 * dataset's curves and table rows, and a weight change made in it is pending until the trainer
 * applies it at the next epoch boundary; after a window reload the panel comes back.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../../src/shared/runs/format';
import { parseEvents } from '../../src/shared/runs/readRecords';
import { EXAMPLE_EXPERIMENT, exampleWorkspace, waitForRunFile, waitForRunRecord } from './support/exampleWorkspace';
import { vsCodeTest } from './support/session';

const TRAINING_TIMEOUT_MS = 150_000;
const DATASETS = ['clean', 'scanned', 'inverted', 'sensors'];

async function longExample(folder: string): Promise<void> {
  await exampleWorkspace(folder);
  const file = join(folder, EXAMPLE_EXPERIMENT);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}epochs: \d+/m, '  epochs: 400'));
}

vsCodeTest(
  'the panel shows every dataset, a weight change is pending until the trainer applies it at the next epoch, and the panel survives a reload',
  { workspace: longExample, trust: 'trusted' },
  async ({ workbench, workspace }) => {
    await workbench.openFile(EXAMPLE_EXPERIMENT);
    await workbench.runCommand('Start joint training');
    const runDir = await waitForRunFile(workspace, 'metrics.jsonl', 60_000);
    await workbench.openView('Runs');
    await workbench
      .treeItem(/epoch ([2-9]|\d\d+) of 400 \(running\)/)
      .first()
      .waitFor({ timeout: TRAINING_TIMEOUT_MS });

    await workbench.runCommand('jointrain: Open run');
    await workbench.pickQuickItem(/digits/);
    const panel = workbench.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    for (const name of DATASETS) await panel.getByText(`${name} — loss`, { exact: true }).waitFor({ timeout: 60_000 });
    await workbench.screenshot('panel-curves');

    await panel.getByLabel('View', { exact: true }).selectOption('table');
    for (const name of DATASETS)
      await panel
        .getByRole('rowheader', { name: new RegExp(`^\\d+ · ${name}$`) })
        .first()
        .waitFor();
    await panel.getByLabel('View', { exact: true }).selectOption('charts');

    await panel.getByRole('spinbutton', { name: 'inverted sampling weight' }).fill('0.25');
    await panel.getByText('Apply at next epoch').click();
    // Pending until the trainer applies it — which can be milliseconds later when the request reaches
    // it at an epoch boundary, too soon to see; the events below show when it applied.
    await panel
      .getByText(/Pending until epoch \d+|Last change applied at epoch \d+/)
      .first()
      .waitFor();
    await workbench.screenshot('panel-pending');
    await panel.getByText(/Last change applied at epoch \d+/).waitFor({ timeout: TRAINING_TIMEOUT_MS });

    const events = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8'));
    const requested = events.find(
      (e): e is Extract<RunEvent, { kind: 'weights-requested' }> => e.kind === 'weights-requested' && (e.requestId ?? '').startsWith('panel-'),
    );
    const applied = events.find(
      (e): e is Extract<RunEvent, { kind: 'weights-applied' }> => e.kind === 'weights-applied' && e.requestId === requested?.requestId,
    );
    assert.ok(requested && applied, 'the trainer recorded the panel’s request and applied it');
    // The next epoch boundary: the one after the request's epoch, or — for a request the trainer read
    // at a boundary, before the epoch's first step (step 0) — the epoch starting there.
    const boundary = requested.step === 0 ? requested.epoch : requested.epoch + 1;
    assert.equal(applied.epoch, boundary, 'applied at the next epoch boundary, not before');
    assert.equal(applied.sampling.inverted, 0.25);
    await workbench.screenshot('panel-applied');

    // One epoch vocabulary: paused (so nothing moves), the panel, the status bar and the Runs view
    // name the same epoch, the one in progress — the epoch after the last run.json says finished.
    await panel.getByRole('button', { name: 'Pause' }).click();
    const paused = await waitForRunRecord(runDir, (r) => r.status === 'paused', 'status paused');
    const expected = `epoch ${paused.epochs.completed + 1} of 400 (paused)`;
    await panel.getByText(expected, { exact: true }).waitFor({ timeout: 60_000 });
    await workbench.page.locator('.part.statusbar').getByText(`digits · ${expected}`).waitFor({ timeout: 60_000 });
    await workbench
      .treeItem(new RegExp(expected.replace(/[()]/g, '\\$&')))
      .first()
      .waitFor({ timeout: 60_000 });
    await workbench.screenshot('panel-paused-counters');
    await panel.getByRole('button', { name: 'Resume' }).click();
    await waitForRunRecord(runDir, (r) => r.status === 'running', 'status running again');

    await workbench.waitForSavedEditor('jointrain.run');
    await workbench.reloadWindow();
    const restored = workbench.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await restored.getByText('clean — loss', { exact: true }).waitFor({ timeout: 60_000 });
    await restored.getByText(/Last change applied at epoch \d+/).waitFor();

    await workbench.runCommand('jointrain: Stop run');
    await workbench.pickQuickItem(/digits/);
  },
);
