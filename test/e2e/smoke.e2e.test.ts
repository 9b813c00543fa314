/**
 * Smoke scenarios in real VS Code (code-server + Chromium): the extension loads from its built
 * bundle, its command is in the palette, a trusted workspace starts training and an untrusted one
 * refuses to.
 */
import assert from 'node:assert/strict';
import { EXAMPLE_EXPERIMENT, exampleWorkspace, runFolders, waitForRunFile } from './support/exampleWorkspace';
import { vsCodeTest } from './support/session';

/** Validation, then the trainer's start: run.json is written within seconds. */
const RUN_START_TIMEOUT_MS = 60_000;

vsCodeTest(
  '"Start joint training" in a trusted workspace starts a run in .jointrain/runs, shown in the Runs view, without an error',
  { workspace: exampleWorkspace, trust: 'prompt' },
  async ({ workbench, workspace }) => {
    await workbench.trustWorkspace();
    await workbench.openFile(EXAMPLE_EXPERIMENT);
    await workbench.runCommand('Start joint training');
    await waitForRunFile(workspace, 'run.json', RUN_START_TIMEOUT_MS);
    await workbench.openView('Runs');
    await workbench
      .treeItem(/^digits/)
      .first()
      .waitFor();
    assert.deepEqual(await workbench.dialogMessages(), []);
    assert.deepEqual(await workbench.notificationMessages('error'), []);
    await workbench.screenshot('smoke-training-started');
  },
);

vsCodeTest(
  'in Restricted Mode "Start joint training" is refused with an explanation and starts no run',
  { workspace: exampleWorkspace, trust: 'prompt' },
  async ({ workbench, workspace }) => {
    await workbench.restrictWorkspace();
    await workbench.restrictedModeIndicator().waitFor();
    await workbench.openFile(EXAMPLE_EXPERIMENT);
    await workbench.runCommand('Start joint training');
    await workbench.notification(/only available in a trusted workspace/).waitFor();
    assert.deepEqual(runFolders(workspace), []);
    await workbench.screenshot('restricted-mode-refusal');
  },
);
