/**
 * The VS Code workbench in the browser, as a page object: what a user does (run a command, open a
 * view, answer the trust dialog) and what a test reads (tree items, notifications, dialogs).
 * `page` stays public for what has no method yet (e.g. a webview's frames).
 * Every method waits on UI state through Playwright's auto-waiting locators; none sleeps.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ARTIFACTS_DIR } from './paths';

/** The first load of the workbench compiles a lot of JavaScript on a 2-core machine. */
const WORKBENCH_TIMEOUT_MS = 90_000;
/** How long a command or view may take to appear in the quick input, and how long one look lasts. */
const QUICK_INPUT_TIMEOUT_MS = 30_000;
const QUICK_INPUT_ROUND_MS = 2_000;

export type NotificationSeverity = 'error' | 'warning' | 'info';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A command palette label is "Category: Title"; the title alone names it too. */
function commandLabel(title: string): RegExp {
  return new RegExp(`^(?:[^:]+: )?${escapeRegExp(title)}$`);
}

export class Workbench {
  constructor(
    readonly page: Page,
    private readonly url: string,
  ) {}

  /** Loads the workbench and waits until it is laid out. */
  async open(): Promise<void> {
    await this.page.goto(this.url);
    await this.waitForWorkbench();
  }

  /** Answers the workspace-trust dialog of a first open with "Yes, I trust the authors". */
  async trustWorkspace(): Promise<void> {
    await this.answerTrustDialog(/^Yes, I trust the authors/);
  }

  /** Answers the workspace-trust dialog with "No": the window stays in Restricted Mode. */
  async restrictWorkspace(): Promise<void> {
    await this.answerTrustDialog(/^No, I don.t trust the authors/);
  }

  /** The "Restricted Mode" indicator of the status bar (visible only in an untrusted window). */
  restrictedModeIndicator(): Locator {
    return this.page.locator('.part.statusbar .statusbar-item').filter({ hasText: 'Restricted Mode' });
  }

  /** Runs a command from the command palette (F1) by its title, with or without its category. */
  async runCommand(title: string): Promise<void> {
    await this.chooseInQuickInput(`>${title}`, commandLabel(title));
  }

  /** Clicks the row labelled `label` in the quick pick an extension just opened (e.g. "Which run?"). */
  async pickQuickItem(label: RegExp): Promise<void> {
    const row = this.quickInputRow(label);
    await row.waitFor();
    await row.click();
  }

  /** Opens a view or view container (e.g. "Explorer", an activity-bar container) by its name. */
  async openView(name: string): Promise<void> {
    await this.chooseInQuickInput(`view ${name}`, new RegExp(`^${escapeRegExp(name)}$`));
  }

  /** A row of a tree in the side bar, panel or secondary side bar, by its accessible name. */
  treeItem(label: string | RegExp): Locator {
    return this.page.locator('.part.sidebar, .part.panel, .part.auxiliarybar').getByRole('treeitem', { name: label });
  }

  /** Opens a file of the workspace from the Explorer and waits until its editor is active. */
  async openFile(name: string): Promise<void> {
    await this.openView('Explorer');
    await this.treeItem(new RegExp(`^${escapeRegExp(name)}$`)).click();
    await this.page.locator('.tabs-container .tab.active').filter({ hasText: name }).waitFor();
  }

  /**
   * Right-clicks a row of a side-bar tree and chooses `title` from its context menu. A menu opened
   * while the window is still registering extensions' contributions lacks their items and does not
   * gain them: it is closed and opened again until the item is there.
   *
   * The item is chosen as a keyboard user does: hovered until the menu has focused it, then Enter.
   * A click would race VS Code's menu, which listens for a mouse-up only 100 ms after drawing an item
   * (`runOnceToEnableMouseUp` in vs/base/browser/ui/menu/menu.ts) and drops an earlier one silently;
   * focus, unlike that listener, can be seen in the DOM.
   */
  async runContextMenuCommand(row: Locator, title: string, timeoutMs = 60_000): Promise<void> {
    const menu = this.page.locator('.context-view .monaco-menu');
    const name = new RegExp(`^${escapeRegExp(title)}`);
    const item = menu.getByRole('menuitem', { name });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await row.click({ button: 'right' });
      try {
        await item.waitFor({ timeout: 5_000 });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await this.page.keyboard.press('Escape');
      }
    }
    await item.hover();
    await menu.locator('.action-item.focused').getByRole('menuitem', { name }).waitFor();
    await this.page.keyboard.press('Enter');
    await menu.waitFor({ state: 'detached' });
  }

  /**
   * Answers a save dialog: code-server shows VS Code's simple file dialog, a quick input holding a
   * path, so the path is typed and Enter pressed, as a user would.
   */
  async answerSaveDialog(path: string): Promise<void> {
    const selector = '.quick-input-widget .quick-input-box input';
    const input = this.page.locator(selector);
    await input.waitFor({ state: 'visible' });
    const value = `document.querySelector(${JSON.stringify(selector)})?.value ?? ''`;
    // The dialog fills in the folder, then the proposed file name, a moment after it shows; what is
    // typed before that is overwritten. Every save dialog of the extension proposes a file name.
    await this.page.waitForFunction(`/[^/\\\\]$/.test(${value})`);
    await input.fill(path);
    await this.page.waitForFunction(`${value} === ${JSON.stringify(path)}`);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  }

  /** Waits until `text` is visible anywhere in the workbench (webviews excepted). */
  async waitForText(text: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
    const found = this.page.getByText(text).first();
    await found.waitFor({ state: 'visible', timeout: timeoutMs });
    return found;
  }

  /** Notification toasts whose text matches (toasts hide after a while; see `notificationMessages`). */
  notification(text: RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
  }

  /**
   * The messages of every notification of a severity shown so far in this window, hidden toasts
   * included: they are read from the notification center, which is opened and closed again.
   */
  async notificationMessages(severity: NotificationSeverity): Promise<string[]> {
    await this.runCommand('Notifications: Show Notifications');
    const center = this.page.locator('.notifications-center');
    await center.waitFor({ state: 'visible' });
    const items = center.locator('.notification-list-item').filter({ has: this.page.locator(`.codicon-${severity}`) });
    const messages = await items.locator('.notification-list-item-message').allInnerTexts();
    await this.page.keyboard.press('Escape');
    await center.waitFor({ state: 'hidden' });
    return messages;
  }

  /** The text of the modal dialogs on screen, e.g. "Command '…' resulted in an error" and its detail. */
  async dialogMessages(): Promise<string[]> {
    return this.page.locator('.monaco-dialog-box .dialog-message-container').allInnerTexts();
  }

  /** The text of the notification toasts on screen. */
  async toastMessages(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts();
  }

  /**
   * Waits until the workbench has written to its storage that an editor containing `text` (e.g. a
   * webview's view type) is open. VS Code web saves the open editors when its storage flushes — at
   * idle moments, which a busy window (a live chart) may not give for a while — and a window
   * reloaded before that comes back without them.
   */
  async waitForSavedEditor(text: string, timeoutMs = 60_000): Promise<void> {
    // Runs in the page (a string: this file is type-checked without the DOM's types).
    const saved = `(async (needle) => {
      const read = (name) => new Promise((resolve) => {
        const open = indexedDB.open(name);
        open.onerror = () => resolve(undefined);
        open.onsuccess = () => {
          try {
            const request = open.result.transaction('ItemTable', 'readonly').objectStore('ItemTable').get('memento/workbench.parts.editor');
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => resolve(undefined);
          } catch {
            resolve(undefined);
          } finally {
            open.result.close();
          }
        };
      });
      const names = (await indexedDB.databases()).map((db) => db.name ?? '').filter((name) => name.startsWith('vscode-web-state-db'));
      const values = await Promise.all(names.map(read));
      return values.some((value) => typeof value === 'string' && value.includes(needle));
    })(${JSON.stringify(text)})`;
    await this.page.waitForFunction(saved, undefined, { polling: 250, timeout: timeoutMs });
  }

  /** "Developer: Reload Window", then waits for the reloaded workbench. */
  async reloadWindow(): Promise<void> {
    // VS Code web's webviews wait for their service worker to change; after a reload the previous
    // page's worker may stay in control and the restored webview stays blank for good (fixed
    // upstream in microsoft/vscode#312020, after the code-server used here). Unregistering the
    // workers first gives the reloaded page the path of a first load; the extension is not involved.
    await this.page.evaluate('navigator.serviceWorker.getRegistrations().then((all) => Promise.all(all.map((r) => r.unregister())))');
    const reloaded = this.page.waitForEvent('load', { timeout: WORKBENCH_TIMEOUT_MS });
    await this.runCommand('Developer: Reload Window');
    await reloaded;
    await this.waitForWorkbench();
  }

  /**
   * Where the keyboard focus is, in words: the text editor (with the tab of its group), a list or
   * tree by its accessible name, or the element's tag and classes.
   */
  async focusDescription(): Promise<string> {
    // Runs in the page (a string: this file is type-checked without the DOM's types).
    return this.page.evaluate(`(() => {
      const active = document.activeElement;
      if (!active || active === document.body) return 'nowhere (the page body)';
      const editor = active.closest('.monaco-editor');
      if (editor) {
        const tab = active.closest('.editor-group-container')?.querySelector('.tab.active')?.textContent ?? '';
        return 'a text editor' + (tab ? ', tab ' + JSON.stringify(tab.trim()) : '') + (editor.closest('.quick-input-widget') ? ' in the quick input' : '');
      }
      const labelled = active.closest('[aria-label]');
      const name = labelled ? labelled.getAttribute('aria-label') : '';
      return active.tagName.toLowerCase() + '.' + String(active.className).split(/\\s+/).slice(0, 3).join('.') + (name ? ' in ' + JSON.stringify(name) : '');
    })()`);
  }

  /** Saves a screenshot of the window as test/e2e/artifacts/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const path = join(ARTIFACTS_DIR, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  private async waitForWorkbench(): Promise<void> {
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
  }

  private async answerTrustDialog(answer: RegExp): Promise<void> {
    const dialog = this.page.locator('.monaco-dialog-box');
    await dialog.getByRole('button', { name: answer }).click({ timeout: WORKBENCH_TIMEOUT_MS });
    await dialog.waitFor({ state: 'hidden' });
  }

  /**
   * Types `text` into the quick input and clicks the row labelled `label`. An extension's commands
   * and views are registered a moment after the workbench shows, and an open quick input does not
   * pick them up: until the row appears, the quick input is closed and opened again.
   */
  private async chooseInQuickInput(text: string, label: RegExp): Promise<void> {
    const deadline = Date.now() + QUICK_INPUT_TIMEOUT_MS;
    for (;;) {
      await this.quickInput(text);
      const row = this.quickInputRow(label);
      try {
        await row.waitFor({ timeout: Math.max(1, Math.min(QUICK_INPUT_ROUND_MS, deadline - Date.now())) });
        await row.click();
        return;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /** Opens the quick input (F1) and replaces its text; the prefix picks the provider. */
  private async quickInput(text: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
  }

  private quickInputRow(label: RegExp): Locator {
    const name = this.page.locator('.label-name').filter({ hasText: label });
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: name }).first();
  }
}
