/**
 * Compare: the panel of one run draws another run of the same experiment over its own curves,
 * picked from the toolbar's "Compare with" list, and keeps drawing it after a window reload.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { writeTinyWorkspace } from '../fixtures/tinyWorkspace';
import { comparedLabel } from '../../src/shared/panel/comparison';
import { runFolders } from './support/exampleWorkspace';
import { vsCodeTest } from './support/session';

const TRAINING_TIMEOUT_MS = 120_000;
const FINISHED = /epoch 3 of 3 \(completed\)/;

vsCodeTest(
  'the panel draws an earlier run of the same experiment over this run’s curves, and still does after a reload',
  { workspace: async (folder) => void (await writeTinyWorkspace(folder)), trust: 'trusted' },
  async ({ workbench, workspace }) => {
    await workbench.openFile('tiny.jointrain.yaml');
    await workbench.runCommand('Start joint training');
    await workbench.openView('Runs');
    await workbench.treeItem(FINISHED).first().waitFor({ timeout: TRAINING_TIMEOUT_MS });
    await workbench.runCommand('Start joint training');
    await workbench.treeItem(FINISHED).nth(1).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    const [earlier = '', later = ''] = runFolders(workspace)
      .map((dir) => basename(dir))
      .sort();
    // The legend names the compared run by the part of its id that differs from this run's.
    const label = `${comparedLabel(later, earlier)}: train loss`;

    await workbench.runCommand('jointrain: Open run');
    await workbench.pickQuickItem(/tiny/);
    const panel = workbench.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await panel.getByText('big — loss', { exact: true }).waitFor();
    await panel.getByLabel('Compare with').selectOption(earlier);
    await panel.getByText(label).first().waitFor();
    await workbench.screenshot('panel-compare');

    await workbench.waitForSavedEditor('jointrain.run');
    await workbench.reloadWindow();
    const restored = workbench.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await restored.getByText(label).first().waitFor({ timeout: 60_000 });
    assert.equal(await restored.getByLabel('Compare with').inputValue(), earlier, 'the comparison survives a reload');
  },
);
