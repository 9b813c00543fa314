/**
 * The README's screenshots of the training panel, light and dark: a finished run of the example,
 * every dataset's curves on screen, then the colour theme switched from the command palette and
 * the charts redrawn in the new theme's colours. Saved as panel-light.png and panel-dark.png in
 * test/e2e/artifacts/, or in docs/ (the README's copies) with JOINTRAIN_UPDATE_DOCS=1: a test run
 * should not rewrite tracked files.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { EXAMPLE_EXPERIMENT, exampleWorkspace } from './support/exampleWorkspace';
import { ARTIFACTS_DIR, REPO_ROOT } from './support/paths';
import { vsCodeTest } from './support/session';
import type { Workbench } from './support/workbench';

const TRAINING_TIMEOUT_MS = 180_000;
const DATASETS = ['clean', 'scanned', 'inverted', 'sensors'];
const SCREENSHOTS_DIR = process.env.JOINTRAIN_UPDATE_DOCS === '1' ? join(REPO_ROOT, 'docs') : ARTIFACTS_DIR;

async function waitForEveryDatasetChart(panel: FrameLocator): Promise<void> {
  for (const name of DATASETS) await panel.getByText(`${name} — loss`, { exact: true }).waitFor({ timeout: 60_000 });
}

/**
 * Only the editor area, where the panel is: the whole window would be twice the bytes. The
 * notifications (the run finished; the offer of the native backend) would cover the panel's corner.
 */
async function savePanelScreenshot(workbench: Workbench, file: string): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await workbench.runCommand('Notifications: Clear All Notifications');
  await workbench.page.locator('.notification-toast').first().waitFor({ state: 'detached' });
  await workbench.page.locator('.part.editor').screenshot({ path: join(SCREENSHOTS_DIR, file) });
}

vsCodeTest(
  'the panel of a finished run draws every dataset’s curves in a light and in a dark theme',
  { workspace: exampleWorkspace, trust: 'trusted', settings: { 'workbench.colorTheme': 'Default Light Modern' } },
  async ({ workbench }) => {
    await workbench.openFile(EXAMPLE_EXPERIMENT);
    await workbench.runCommand('Start joint training');
    await workbench.openView('Runs');
    await workbench
      .treeItem(/epoch 12 of 12 \(completed\)/)
      .first()
      .waitFor({ timeout: TRAINING_TIMEOUT_MS });
    await workbench.runCommand('View: Close Primary Side Bar');

    await workbench.runCommand('jointrain: Open run');
    await workbench.pickQuickItem(/digits/);
    const panel = workbench.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await panel.locator('body.vscode-light').waitFor();
    await waitForEveryDatasetChart(panel);
    await savePanelScreenshot(workbench, 'panel-light.png');

    await workbench.runCommand('Preferences: Color Theme');
    await workbench.page.keyboard.type('Dark Modern');
    await workbench.pickQuickItem(/^Dark Modern$/);
    await panel.locator('body.vscode-dark').waitFor();
    await waitForEveryDatasetChart(panel);
    await savePanelScreenshot(workbench, 'panel-dark.png');
  },
);
