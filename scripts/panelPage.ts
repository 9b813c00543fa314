/**
 * The real panel bundle (dist/webview.js, dist/webview.css, media/panel.css) in headless Chromium,
 * in the page VS Code gives it (`panelHtml`, with its CSP), under a light or dark set of VS Code's
 * theme variables, fed the fixture run as the host's snapshot. Used by `panel-screenshots.ts` and
 * by test/integration/panel-layout.test.ts; like bench/panelRender.ts, it reimplements nothing of
 * the panel.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createNonce, panelHtml } from '../src/extension/panel/panelHtml';
import { PANEL_PROTOCOL_VERSION, type HostToPanelMessage } from '../src/shared/panel/protocol';
import type { RunView } from '../src/shared/panel/runView';
import { EARLIER_RUN_ID, earlierRun, fixtureRunView } from './panelFixture';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium';

const ROOT = path.join(__dirname, '..');
/** Every request to this origin is answered from the working tree; nothing goes to a network. */
const ORIGIN = 'https://panel.local';

export type Theme = 'light' | 'dark' | 'high-contrast';
export const THEME_NAMES: readonly Theme[] = ['light', 'dark', 'high-contrast'];

/** The --vscode-* variables the panel and the toolkit read, from VS Code's Light Modern, Dark Modern and Dark High Contrast. */
const THEMES: Record<Theme, Record<string, string>> = {
  light: {
    foreground: '#3b3b3b',
    'editor-background': '#ffffff',
    'editor-foreground': '#3b3b3b',
    descriptionForeground: '#3b3b3b',
    'input-background': '#ffffff',
    'input-foreground': '#3b3b3b',
    'input-border': '#cecece',
    'panel-border': '#e5e5e5',
    focusBorder: '#005fb8',
    'editorWidget-border': '#c8c8c8',
    'editorWarning-foreground': '#bf8803',
    errorForeground: '#f85149',
    'button-background': '#005fb8',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#0258a8',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    'checkbox-background': '#f8f8f8',
    'checkbox-border': '#cecece',
    'checkbox-foreground': '#3b3b3b',
    'charts-blue': '#1a85ff',
    'charts-red': '#e51400',
    'charts-green': '#388a34',
    'charts-yellow': '#bf8803',
    'charts-orange': '#d18616',
    'charts-purple': '#652d90',
  },
  dark: {
    foreground: '#cccccc',
    'editor-background': '#1f1f1f',
    'editor-foreground': '#cccccc',
    descriptionForeground: '#9d9d9d',
    'input-background': '#313131',
    'input-foreground': '#cccccc',
    'input-border': '#3c3c3c',
    'panel-border': '#2b2b2b',
    focusBorder: '#0078d4',
    'editorWidget-border': '#454545',
    'editorWarning-foreground': '#cca700',
    errorForeground: '#f85149',
    'button-background': '#0078d4',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#026ec1',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    'checkbox-background': '#313131',
    'checkbox-border': '#3c3c3c',
    'checkbox-foreground': '#cccccc',
    'charts-blue': '#3794ff',
    'charts-red': '#f14c4c',
    'charts-green': '#89d185',
    'charts-yellow': '#cca700',
    'charts-orange': '#d18616',
    'charts-purple': '#b180d7',
  },
  'high-contrast': {
    foreground: '#ffffff',
    'editor-background': '#000000',
    'editor-foreground': '#ffffff',
    descriptionForeground: '#ffffff',
    contrastBorder: '#6fc3df',
    contrastActiveBorder: '#f38518',
    'input-background': '#000000',
    'input-foreground': '#ffffff',
    'input-border': '#6fc3df',
    'panel-border': '#6fc3df',
    focusBorder: '#f38518',
    'editorWidget-border': '#6fc3df',
    'editorWarning-foreground': '#ffd700',
    errorForeground: '#f48771',
    'button-background': '#000000',
    'button-foreground': '#ffffff',
    'button-border': '#6fc3df',
    'button-hoverBackground': '#000000',
    'button-secondaryBackground': '#000000',
    'button-secondaryForeground': '#ffffff',
    'checkbox-background': '#000000',
    'checkbox-border': '#6fc3df',
    'checkbox-foreground': '#ffffff',
    'charts-blue': '#3794ff',
    'charts-red': '#f14c4c',
    'charts-green': '#89d185',
    'charts-yellow': '#cca700',
    'charts-orange': '#d18616',
    'charts-purple': '#b180d7',
  },
};

function themeCss(theme: Theme): string {
  const variables = Object.entries(THEMES[theme]).map(([name, value]) => `--vscode-${name}: ${value};`);
  return `html { --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; ${variables.join(' ')} }`;
}

function asset(relative: string): Buffer {
  const file = path.join(ROOT, relative);
  if (!fs.existsSync(file)) throw new Error(`${relative} is missing: run \`npm run build\` first`);
  return fs.readFileSync(file);
}

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: \`bash scripts/e2e/install.sh\` installs Debian's Chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface PanelPage {
  page: Page;
  /** Exceptions the page threw: a panel that throws is broken whatever it looks like. */
  errors: string[];
  close(): Promise<void>;
}

/** Opens the panel `width` pixels wide in `theme`, shows the fixture run (compared with an earlier one) and waits for its charts. */
export async function openPanel(browser: Browser, width: number, theme: Theme, height = 900, finished = false): Promise<PanelPage> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const files = new Map<string, { body: string | Buffer; contentType: string }>([
    [
      '/index.html',
      {
        body: panelHtml(
          {
            cspSource: ORIGIN,
            nonce: createNonce(randomBytes),
            scriptUri: `${ORIGIN}/dist/webview.js`,
            styleUris: [`${ORIGIN}/theme.css`, `${ORIGIN}/dist/webview.css`, `${ORIGIN}/media/panel.css`],
          },
          'Run',
        ),
        contentType: 'text/html',
      },
    ],
    ['/theme.css', { body: themeCss(theme), contentType: 'text/css' }],
    ['/dist/webview.js', { body: asset('dist/webview.js'), contentType: 'text/javascript' }],
    ['/dist/webview.css', { body: asset('dist/webview.css'), contentType: 'text/css' }],
    ['/media/panel.css', { body: asset('media/panel.css'), contentType: 'text/css' }],
  ]);
  await page.route(`${ORIGIN}/**`, (route) => {
    const file = files.get(new URL(route.request().url()).pathname);
    return file ? route.fulfill({ status: 200, body: file.body, contentType: file.contentType }) : route.fulfill({ status: 404, body: '' });
  });
  // VS Code's webview API, as the panel script finds it; the body's class names the theme kind. A
  // string, not a function: tsx's helpers would not exist in the page.
  await page.addInitScript(`
    window.acquireVsCodeApi = () => ({ postMessage(message) { if (message.type === 'export-png') window.exportedPng = message.dataUrl; }, getState() {}, setState() {} });
    window.addEventListener('DOMContentLoaded', () => document.body.classList.add('vscode-${theme}'));
  `);
  await page.goto(`${ORIGIN}/index.html`);
  await post(page, snapshot(fixtureRunView(finished)));
  await post(page, { type: 'comparison', seq: 2, candidates: [{ runId: EARLIER_RUN_ID, label: '2026-12-05 09:30 · completed' }], compared: earlierRun() });
  await page.locator('.chart canvas').first().waitFor();
  return { page, errors, close: () => context.close() };
}

const snapshot = (run: RunView): HostToPanelMessage => ({ type: 'snapshot', protocol: PANEL_PROTOCOL_VERSION, seq: 1, run });

function post(page: Page, message: HostToPanelMessage): Promise<void> {
  return page.evaluate((m) => (globalThis as unknown as { postMessage(message: unknown, origin: string): void }).postMessage(m, '*'), message);
}

/** Switches the panel's View select, as a user would. */
export async function showView(page: Page, view: 'charts' | 'table'): Promise<void> {
  await page.getByRole('combobox', { name: 'View' }).selectOption(view);
  await page
    .locator(view === 'table' ? '.metrics-table table' : '.chart canvas')
    .first()
    .waitFor();
}

/** Clicks Export PNG and returns the image the panel would hand the host to save. */
export async function exportPng(page: Page): Promise<Buffer> {
  await page.getByRole('button', { name: 'Export PNG' }).click();
  const handle = await page.waitForFunction('window.exportedPng');
  const dataUrl = (await handle.jsonValue()) as string;
  return Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
}
