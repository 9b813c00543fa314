/**
 * One e2e scenario: a workspace folder, the extension installed into a fresh extensions folder,
 * code-server serving the workbench, and Chromium (Debian's, driven by playwright-core) showing it.
 * `vsCodeTest` wraps `node:test`'s `test` so that everything is torn down whatever happens, and a
 * failing scenario leaves a screenshot, VS Code's logs and the run folders' logs in
 * test/e2e/artifacts/, and prints what CI's log needs to explain it: what it waited for, the
 * messages on screen, where the keyboard focus was, and the window's and extension host's errors.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../scripts/chromium';
import { startCodeServer } from './codeServer';
import type { CodeServer } from './codeServer';
import { installExtensionFolder } from './extensionFolder';
import { ARTIFACTS_DIR } from './paths';
import { Workbench } from './workbench';

const ACTION_TIMEOUT_MS = 30_000;
const SCENARIO_TIMEOUT_MS = 360_000;
/** Left out when a failed scenario's run folders are kept: models, not explanations. */
const RUN_BULK = ['checkpoints', 'model'];
/** How many of the window's last console errors and warnings a failure prints. */
const CONSOLE_LINES_SHOWN = 15;
/** How many of the extension host's warning and error lines a failure prints. */
const LOG_LINES_SHOWN = 20;

/**
 * User settings of every scenario: nothing that pops up on its own (welcome page, tips,
 * recommendations, update checks against a marketplace that cannot be reached).
 */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
};

export interface VsCodeOptions {
  /** Fills the (empty) workspace folder before VS Code opens it. */
  workspace: (folder: string) => Promise<void>;
  /**
   * `prompt`: the trust dialog appears and the scenario answers it (`trustWorkspace()` or
   * `restrictWorkspace()`); `trusted`: code-server runs with --disable-workspace-trust.
   */
  trust: 'prompt' | 'trusted';
  /** User settings on top of the quiet defaults, e.g. `{ 'workbench.colorTheme': 'Default Dark Modern' }`. */
  settings?: Record<string, unknown>;
}

export interface VsCode {
  readonly workbench: Workbench;
  /** The workspace folder on disk. */
  readonly workspace: string;
}

/** A scenario's temporary folders, all under `root`. */
interface Folders {
  root: string;
  workspace: string;
  extensions: string;
  userData: string;
  serverLog: string;
}

function createFolders(settings: Record<string, unknown>): Folders {
  const root = mkdtempSync(join(tmpdir(), 'jt-e2e-'));
  const folders = {
    root,
    workspace: join(root, 'workspace'),
    extensions: join(root, 'extensions'),
    userData: join(root, 'user-data'),
    serverLog: join(root, 'code-server.log'),
  };
  [folders.workspace, folders.extensions, join(folders.userData, 'User')].forEach((dir) => mkdirSync(dir, { recursive: true }));
  writeFileSync(join(folders.userData, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  return folders;
}

/** What a failure prints, beyond its error: CI keeps the log, not the artifacts folder. */
interface FailureReport {
  dir: string;
  /** Messages in dialogs and toasts on screen. */
  onScreen: string[];
  /** Where the keyboard focus was: a key pressed then went there. */
  focus: string;
  /** The extension host's warnings and errors and the extension's own log, newest last. */
  hostLog: string[];
}

/** Copies what explains a failure into the artifacts folder and gathers what to print of it. */
async function recordFailure(folders: Folders, workbench: Workbench, name: string): Promise<FailureReport> {
  const dir = join(ARTIFACTS_DIR, `${name}-failure`);
  mkdirSync(dir, { recursive: true });
  await workbench.page.screenshot({ path: join(dir, 'window.png') }).catch(() => undefined);
  const onScreen = [...(await workbench.dialogMessages().catch(() => [])), ...(await workbench.toastMessages().catch(() => []))];
  const focus = await workbench.focusDescription().catch((error: unknown) => `unknown (${(error as Error).message.split('\n')[0]})`);
  cpSync(folders.serverLog, join(dir, 'code-server.log'));
  const logs = join(folders.userData, 'logs');
  if (existsSync(logs)) cpSync(logs, join(dir, 'logs'), { recursive: true });
  const runs = join(folders.workspace, '.jointrain', 'runs');
  if (existsSync(runs)) cpSync(runs, join(dir, 'runs'), { recursive: true, filter: (source) => !RUN_BULK.includes(basename(source)) });
  return { dir, onScreen, focus, hostLog: existsSync(logs) ? extensionHostLines(logs) : [] };
}

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * The extension host's warning and error lines (a crash, an extension that failed to activate)
 * and every line of jointrain's own output channel, each prefixed with its file's name.
 */
function extensionHostLines(logs: string): string[] {
  return filesUnder(logs)
    .filter((file) => /exthost/.test(file) && file.endsWith('.log'))
    .flatMap((file) => {
      const own = basename(file) === 'jointrain.log';
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '' && (own || /\[(warning|error)\]/.test(line)))
        .map((line) => `${basename(file)}: ${line}`);
    })
    .slice(-LOG_LINES_SHOWN);
}

/** Playwright dims its call log for a terminal. */
const TERMINAL_STYLES = /\u001b\[[0-9;]*m/g;

/**
 * The first line of an error, and for Playwright's the line of its call log naming what it
 * waited for ("waiting for locator(…)"), which the first line leaves out.
 */
function errorSummary(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).replace(TERMINAL_STYLES, '').split('\n');
  const waited = lines.find((line) => /^\s*- waiting for /.test(line));
  return waited === undefined ? lines[0]! : `${lines[0]!} (${waited.trim().replace(/^- /, '')})`;
}

function artifactName(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}

/**
 * Attempts per scenario. A second attempt in a fresh window tells a flaky scenario from a broken
 * one, and the retry is reported (scripts/e2e/results-reporter.mjs reads the "attempt N failed"
 * diagnostic); scripts/run-tests.mjs fails a run in which any scenario needed it, so a retry never
 * hides a failure. `--repeat` runs set JOINTRAIN_E2E_ATTEMPTS=1: every attempt counts.
 */
const ATTEMPTS = Math.max(1, Number(process.env.JOINTRAIN_E2E_ATTEMPTS ?? 2) || 2);

/**
 * A `node:test` test that runs `scenario` against a fresh VS Code window. The window, browser,
 * code-server (with every process started below it) and the temporary folders are gone
 * afterwards, whether the scenario passed, failed or timed out.
 */
export function vsCodeTest(title: string, options: VsCodeOptions, scenario: (vscode: VsCode) => Promise<void>): void {
  test(title, { timeout: ATTEMPTS * SCENARIO_TIMEOUT_MS }, async (t) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await runAttempt(t, title, options, scenario);
        if (attempt > 1) t.diagnostic(`passed on attempt ${attempt} of ${ATTEMPTS}`);
        return;
      } catch (error) {
        if (attempt >= ATTEMPTS) throw error;
        t.diagnostic(`attempt ${attempt} failed, retrying in a fresh window: ${errorSummary(error)}`);
      }
    }
  });
}

async function runAttempt(t: TestContext, title: string, options: VsCodeOptions, scenario: (vscode: VsCode) => Promise<void>): Promise<void> {
  const folders = createFolders(options.settings ?? {});
  const started: { server?: CodeServer; browser?: Browser } = {};
  try {
    installExtensionFolder(folders.extensions);
    await options.workspace(folders.workspace);
    const server = (started.server = await startCodeServer({
      scenario: basename(folders.root),
      workspace: folders.workspace,
      extensionsDir: folders.extensions,
      userDataDir: folders.userData,
      homeDir: join(folders.root, 'home'),
      logFile: folders.serverLog,
      disableWorkspaceTrust: options.trust === 'trusted',
    }));
    const browser = (started.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const workbench = new Workbench(page, server.url);
    const consoleLines: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleLines.push(`${message.type()}: ${message.text().split('\n')[0]}`);
    });
    try {
      await workbench.open();
      await scenario({ workbench, workspace: folders.workspace });
    } catch (error) {
      const failure = await recordFailure(folders, workbench, artifactName(title));
      t.diagnostic(`failed: ${errorSummary(error)}`);
      failure.onScreen.forEach((message) => t.diagnostic(`on screen: ${message.replace(/\s+/g, ' ')}`));
      t.diagnostic(`keyboard focus: ${failure.focus}`);
      consoleLines.slice(-CONSOLE_LINES_SHOWN).forEach((line) => t.diagnostic(`window console: ${line}`));
      failure.hostLog.forEach((line) => t.diagnostic(`extension host: ${line}`));
      t.diagnostic(`screenshot and logs of the failure: ${failure.dir}`);
      throw error;
    }
  } finally {
    await started.browser?.close();
    await started.server?.stop();
    rmSync(folders.root, { recursive: true, force: true });
  }
}
