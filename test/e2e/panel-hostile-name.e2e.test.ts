/**
 * Data from disk is rendered as text: an image dataset whose class folder is literally named
 * `<img src=x onerror=alert(1)>` (a valid folder name on Linux) shows that name verbatim in the
 * panel's class distribution, and no <img> element appears in the webview.
 */
import assert from 'node:assert/strict';
import { writeTinyWorkspace } from '../fixtures/tinyWorkspace';
import { waitForRunFile } from './support/exampleWorkspace';
import { vsCodeTest } from './support/session';

const TRAINING_TIMEOUT_MS = 120_000;
const HOSTILE_CLASS = '<img src=x onerror=alert(1)>';

vsCodeTest(
  'a class folder named like an HTML element shows as text in the panel and never becomes an element',
  { workspace: async (folder) => void (await writeTinyWorkspace(folder, { rightClass: HOSTILE_CLASS })), trust: 'trusted' },
  async ({ workbench, workspace }) => {
    const dialogs: string[] = [];
    workbench.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await workbench.openFile('tiny.jointrain.yaml');
    await workbench.runCommand('Start joint training');
    await waitForRunFile(workspace, 'metrics.jsonl', TRAINING_TIMEOUT_MS);

    await workbench.runCommand('jointrain: Open run');
    await workbench.pickQuickItem(/tiny/);
    const panel = workbench.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await panel.getByText('epoch 3 of 3 (completed)', { exact: true }).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    // The class list's title goes on with the per-class report (macro-F1, the weakest class), which names the class too.
    await panel.locator('summary', { hasText: /^small: 2 classes/ }).click();
    await panel.getByRole('rowheader', { name: HOSTILE_CLASS, exact: true }).first().waitFor();
    await workbench.screenshot('panel-hostile-name');

    assert.equal(await panel.locator('img').count(), 0, 'no <img> element in the webview');
    assert.deepEqual(dialogs, [], 'no alert ran');
  },
);
