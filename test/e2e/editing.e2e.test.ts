/**
 * Editing an experiment file in real VS Code: completion from the model in the same file, hover
 * documentation from the schema, a typo's squiggle fixed by its quick fix, and a new experiment
 * scaffolded from a data folder in the Explorer, then trained.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { RunRecord } from '../../src/shared/runs/format';
import { EXAMPLE_EXPERIMENT, exampleWorkspace, waitForRunFile } from './support/exampleWorkspace';
import { vsCodeTest } from './support/session';

/** The line of `head: activity` and of `strategy: temperature` in examples/digits.jointrain.yaml. */
const HEAD_LINE = 52;
const STRATEGY_LINE = 59;

/** The active text editor, driven by the keyboard as a user would. */
class ActiveEditor {
  constructor(private readonly page: Page) {}

  /** Puts the cursor at a 1-based line and column with "Go to Line". */
  async goTo(line: number, column: number): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}:${column}`);
    // Enter before the quick input has read the line number would go nowhere.
    await this.page.locator(`.quick-input-widget .quick-input-box input[aria-label^="Go to line ${line} "]`).waitFor();
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
    // Keys go where the focus is: an editor opened from the Explorer leaves it in the Explorer
    // until Go to Line moves it. The status bar shows the cursor once the editor has it.
    await this.page.locator('.editor-instance .monaco-editor.focused').waitFor();
    await this.page.locator('.part.statusbar').getByText(`Ln ${line}, Col ${column}`, { exact: true }).waitFor();
  }

  /** Types `keys` at the cursor and waits until the editor shows `expected`. */
  async type(keys: string, expected: string): Promise<void> {
    await this.page.keyboard.type(keys);
    await this.page.waitForFunction(
      `document.querySelector('.editor-instance .view-lines')?.textContent?.replace(/\\u00a0/g, ' ').includes(${JSON.stringify(expected)})`,
    );
  }

  /** The text of the lines on screen (Monaco renders spaces as no-break spaces). */
  async text(): Promise<string> {
    return ((await this.page.locator('.editor-instance .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
  }

  /**
   * Asks for completions until `label` is offered. A request made before the extension has
   * registered its provider (it activates while the window loads) gets only the words of the file,
   * and the open widget does not ask again.
   */
  async suggestUntil(label: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.page.keyboard.press('Control+Space');
      try {
        await this.suggestion(label).waitFor({ timeout: 5_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  suggestion(label: string) {
    return this.page.locator('.suggest-widget .monaco-list-row').filter({ hasText: label }).first();
  }

  hover() {
    return this.page.locator('.monaco-hover:not(.hidden)').first();
  }

  squiggles() {
    return this.page.locator('.editor-instance .squiggly-error');
  }
}

vsCodeTest(
  'typing after `head:` offers the heads the model defines; hovering a key shows its documentation',
  { workspace: exampleWorkspace, trust: 'trusted' },
  async ({ workbench }) => {
    const editor = new ActiveEditor(workbench.page);
    await workbench.openFile(EXAMPLE_EXPERIMENT);
    await editor.goTo(HEAD_LINE, 11);
    await workbench.page.keyboard.press('Shift+End');
    await workbench.page.keyboard.press('Delete');
    await editor.suggestUntil('digit');
    await editor.suggestion('activity').waitFor();
    await workbench.screenshot('editing-completion');
    await workbench.page.keyboard.press('Escape');

    await editor.goTo(STRATEGY_LINE, 5);
    await workbench.runCommand('Show or Focus Hover');
    await editor
      .hover()
      .filter({ hasText: /How each batch is shared across datasets/ })
      .waitFor();
    await workbench.screenshot('editing-hover');
  },
);

vsCodeTest(
  'a misspelt key is underlined as it is typed and its quick fix restores it',
  { workspace: exampleWorkspace, trust: 'trusted' },
  async ({ workbench }) => {
    const editor = new ActiveEditor(workbench.page);
    await workbench.openFile(EXAMPLE_EXPERIMENT);
    await editor.goTo(STRATEGY_LINE, 3);
    await editor.type('x', 'xstrategy:');
    await editor.squiggles().first().waitFor();
    await workbench.screenshot('editing-typo');

    await workbench.runCommand('Quick Fix...');
    // The preferred fix comes first and is focused; the menu's pointer block takes clicks while it opens.
    const fixes = workbench.page.locator('.action-widget .monaco-list-row.action');
    await fixes.filter({ hasText: 'Change to `strategy`' }).waitFor();
    assert.match(await fixes.first().innerText(), /Change to `strategy`/);
    await workbench.page.keyboard.press('Enter');
    await workbench.page.waitForFunction("!document.querySelector('.editor-instance .view-lines')?.textContent?.includes('xstrategy')");
    assert.match(await editor.text(), /strategy: temperature/);
    await editor.squiggles().first().waitFor({ state: 'detached' });
  },
);

vsCodeTest(
  '"New joint-training experiment…" on a data folder writes an experiment where the user saves it, and that experiment trains',
  { workspace: exampleWorkspace, trust: 'trusted' },
  async ({ workbench, workspace }) => {
    await workbench.openView('Explorer');
    await workbench.treeItem(/^data$/).click();
    await workbench.runContextMenuCommand(workbench.treeItem(/^digits-clean$/), 'New joint-training experiment…');
    await workbench.answerSaveDialog(join(workspace, 'first.jointrain.yaml'));
    await workbench.page.locator('.tabs-container .tab.active').filter({ hasText: 'first.jointrain.yaml' }).waitFor();
    const text = readFileSync(join(workspace, 'first.jointrain.yaml'), 'utf8');
    assert.match(text, /- name: digits-clean\n(?: {4}#.*\n)* {4}type: images\n {4}path: data\/digits-clean\n/);
    await workbench.screenshot('editing-new-experiment');

    await workbench.runCommand('Start joint training');
    await workbench.openView('Runs');
    const runDir = await waitForRunFile(workspace, 'run.json', 60_000);
    assert.equal((JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord).experimentName, 'first');
    await workbench.treeItem(/^first/).waitFor();
    await workbench
      .treeItem(/\((running|completed)\)/)
      .first()
      .waitFor({ timeout: 60_000 });
    await workbench.screenshot('editing-new-experiment-run');
  },
);

vsCodeTest(
  'a YAML file that declares the jointrain schema gets its problems as typed; one that does not gets none',
  {
    workspace: async (folder) => {
      await exampleWorkspace(folder);
      const experiment = readFileSync(join(folder, EXAMPLE_EXPERIMENT), 'utf8').replace('path: data/digits-scanned', 'path: data/digits-scanned-missing');
      writeFileSync(join(folder, 'declared.yaml'), `# yaml-language-server: $schema=./media/jointrain.schema.json\n${experiment}`);
      writeFileSync(join(folder, 'plain.yaml'), experiment);
    },
    trust: 'trusted',
  },
  async ({ workbench }) => {
    const editor = new ActiveEditor(workbench.page);
    // The plain file first: by the time the declared one's problem shows, the plain one's would have.
    await workbench.openFile('plain.yaml');
    await workbench.openFile('declared.yaml');
    await editor.squiggles().first().waitFor({ timeout: 60_000 });
    await workbench.openView('Problems');
    const problems = workbench.page.locator('.markers-panel');
    await problems
      .getByText(/folder not found: .*digits-scanned-missing/)
      .first()
      .waitFor();
    await workbench.screenshot('editing-declared-schema');
    assert.equal(
      await problems.locator('.monaco-list-row').filter({ hasText: 'plain.yaml' }).count(),
      0,
      'a YAML file without the modeline gets no jointrain problems',
    );
  },
);

/** data/<dataset>/{train,val}/<class>/ — the layout most image datasets come in. */
async function splitDatasetsWorkspace(folder: string): Promise<void> {
  for (const dataset of ['mnist', 'mnist-rot', 'optdigits']) {
    for (const [split, count] of [
      ['train', 3],
      ['val', 1],
    ] as const) {
      for (const digit of ['0', '1', '2']) {
        const dir = join(folder, 'data', dataset, split, digit);
        mkdirSync(dir, { recursive: true });
        for (let i = 0; i < count; i++)
          await sharp(Buffer.alloc(64, 20 * i + 40), { raw: { width: 8, height: 8, channels: 1 } })
            .png()
            .toFile(join(dir, `${i}.png`));
      }
    }
  }
}

vsCodeTest(
  '"New joint-training experiment…" on the parent folder of three datasets with train/val splits writes the three datasets, with their validation folders',
  { workspace: splitDatasetsWorkspace, trust: 'trusted' },
  async ({ workbench, workspace }) => {
    await workbench.openView('Explorer');
    await workbench.runContextMenuCommand(workbench.treeItem(/^data$/), 'New joint-training experiment…');
    await workbench.answerSaveDialog(join(workspace, 'digits.jointrain.yaml'));
    await workbench.page.locator('.tabs-container .tab.active').filter({ hasText: 'digits.jointrain.yaml' }).waitFor();
    const text = readFileSync(join(workspace, 'digits.jointrain.yaml'), 'utf8');
    for (const dataset of ['mnist', 'mnist-rot', 'optdigits']) {
      assert.match(
        text,
        new RegExp(
          `- name: ${dataset}\\n(?: {4}#.*\\n)* {4}type: images\\n {4}path: data/${dataset}/train\\n[\\s\\S]*?validation: \\{ path: data/${dataset}/val \\}`,
        ),
      );
    }
    assert.equal((text.match(/^ {4}head: classes$/gm) ?? []).length, 3, 'one head shared by the three datasets of the same classes');
    await workbench.screenshot('editing-new-experiment-from-parent');
  },
);

vsCodeTest(
  '"New joint-training experiment…" on a folder with a loose class folder beside datasets asks how to read it, and uses the datasets when told to',
  {
    workspace: async (folder: string) => {
      await splitDatasetsWorkspace(folder);
      const loose = join(folder, 'data', 'loose');
      mkdirSync(loose, { recursive: true });
      await sharp(Buffer.alloc(64, 90), { raw: { width: 8, height: 8, channels: 1 } })
        .png()
        .toFile(join(loose, 'stray.png'));
    },
    trust: 'trusted',
  },
  async ({ workbench, workspace }) => {
    await workbench.openView('Explorer');
    await workbench.runContextMenuCommand(workbench.treeItem(/^data$/), 'New joint-training experiment…');
    await workbench.answerSaveDialog(join(workspace, 'digits.jointrain.yaml'));
    await workbench.waitForText('data holds both dataset folders and class folders of images', 120_000);
    await workbench.screenshot('editing-new-experiment-ambiguous');
    await workbench.pickQuickItem(/^Use the datasets: mnist, mnist-rot, optdigits$/);
    await workbench.page.locator('.tabs-container .tab.active').filter({ hasText: 'digits.jointrain.yaml' }).waitFor();
    const text = readFileSync(join(workspace, 'digits.jointrain.yaml'), 'utf8');
    assert.deepEqual(
      [...text.matchAll(/^ {2}- name: (\S+)$/gm)].map((match) => match[1]),
      ['mnist', 'mnist-rot', 'optdigits'],
    );
    assert.doesNotMatch(text, /loose/);
  },
);
