/** The native-backend install command and its offer, with the `vscode` API and npm faked. */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import {
  INSTALL_NATIVE_BACKEND,
  installNativeBackend,
  NATIVE_OFFER_DISMISSED,
  NativeBackendOffer,
  npmInstallArgs,
  spawnNpm,
  type NativeBackendInstall,
  type NpmRun,
} from '../../../src/extension/commands/installNativeBackend';
import type { RunSummary } from '../../../src/extension/runs/runSummary';
import { nativeBackendToOffer } from '../../../src/shared/runs/nativeBackendOffer';
import type { BackendReport, RunRecord, RunStatus } from '../../../src/shared/runs/format';
import { answers, executed, progress, resetFakeVscode, shown } from './support/fakeVscode';

const NOT_INSTALLED: BackendReport = {
  name: 'wasm',
  requested: 'auto',
  usingGpu: false,
  skipped: [
    { name: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
    { name: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' },
  ],
};

interface NpmCall {
  args: readonly string[];
  cwd: string;
}

/** An install whose npm says `lines` and ends as `result`, recording each call and log line. */
function fakeInstall(lines: string[], result: Omit<NpmRun, 'tail'>): { install: NativeBackendInstall; calls: NpmCall[]; logged: string[]; shownLog: number[] } {
  const calls: NpmCall[] = [];
  const logged: string[] = [];
  const shownLog: number[] = [];
  const install: NativeBackendInstall = {
    folder: '/ext/jointrain',
    tfjsVersion: '4.22.0',
    runNpm: async (args, cwd, onLine, signal) => {
      calls.push({ args, cwd });
      for (const line of lines) onLine(line);
      await Promise.resolve();
      return { ...result, code: signal.aborted ? null : result.code, tail: lines.slice(-20) };
    },
    log: { info: (line) => logged.push(line), show: () => shownLog.push(1) },
  };
  return { install, calls, logged, shownLog };
}

beforeEach(() => resetFakeVscode());

describe('installing the native backend', () => {
  test('asks which package, confirms, runs npm in the extension folder at the bundled tfjs version, and says it is installed', async () => {
    const { install, calls, logged } = fakeInstall(['added 42 packages in 31s'], { code: 0 });
    answers.quickPick.push((items) => (items as Array<{ pkg: string }>).find((item) => item.pkg === '@tensorflow/tfjs-node'));
    answers.warning.push('Install');
    assert.equal(await installNativeBackend(install), 'installed');
    assert.deepEqual(calls, [
      { args: ['install', '--no-save', '--omit=dev', '--no-audit', '--no-fund', '@tensorflow/tfjs-node@4.22.0'], cwd: '/ext/jointrain' },
    ]);
    assert.equal(shown[0]?.message, 'Install @tensorflow/tfjs-node@4.22.0?');
    assert.equal(shown[0]?.modal, true);
    assert.deepEqual(progress, [{ title: 'jointrain: installing @tensorflow/tfjs-node', messages: ['added 42 packages in 31s'] }]);
    assert.ok(logged.includes('npm: added 42 packages in 31s'));
    assert.match(shown.at(-1)?.message ?? '', /@tensorflow\/tfjs-node is installed\. New runs with backend auto use it/);
  });

  test('nothing runs when the confirmation is dismissed', async () => {
    const { install, calls } = fakeInstall([], { code: 0 });
    assert.equal(await installNativeBackend(install, '@tensorflow/tfjs-node'), 'cancelled');
    assert.deepEqual(calls, []);
  });

  test('offline, the error says npm needs the internet and what to do instead, and offers the log', async () => {
    const { install, shownLog } = fakeInstall(['npm ERR! code ENOTFOUND', 'npm ERR! getaddrinfo ENOTFOUND registry.npmjs.org'], { code: 1 });
    answers.warning.push('Install');
    answers.error.push('Show log');
    assert.equal(await installNativeBackend(install, '@tensorflow/tfjs-node-gpu'), 'failed');
    const error = shown.find((entry) => entry.kind === 'error')?.message ?? '';
    assert.match(error, /^jointrain: installing @tensorflow\/tfjs-node-gpu failed\. npm needs the internet: registry\.npmjs\.org/);
    assert.match(error, /storage\.googleapis\.com/);
    assert.match(error, /npm install --no-save --omit=dev @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    assert.deepEqual(shownLog, [1]);
  });

  test('a folder that cannot be written, and a machine without npm, are each said in words', async () => {
    const readOnly = fakeInstall(
      ['npm ERR! code EACCES', "npm ERR! Error: EACCES: permission denied, mkdir '/ext/jointrain/node_modules/@tensorflow/tfjs-node'"],
      { code: 243 },
    );
    answers.warning.push('Install');
    await installNativeBackend(readOnly.install, '@tensorflow/tfjs-node');
    assert.match(shown.at(-1)?.message ?? '', /\/ext\/jointrain is not writable: run `npm install --no-save --omit=dev @tensorflow\/tfjs-node@4\.22\.0` there/);
    const noNpm = fakeInstall([], { code: -2, spawnError: 'spawn npm ENOENT' });
    answers.warning.push('Install');
    await installNativeBackend(noNpm.install, '@tensorflow/tfjs-node');
    assert.match(shown.at(-1)?.message ?? '', /npm could not be started \(spawn npm ENOENT\): install Node\.js 20\+ with npm/);
  });

  test('cancelling the progress stops npm and says so, not that it failed', async () => {
    const { install } = fakeInstall(['fetching …'], { code: 1 });
    answers.warning.push('Install');
    answers.cancelProgress.push(true);
    assert.equal(await installNativeBackend(install, '@tensorflow/tfjs-node'), 'cancelled');
    assert.equal(shown.at(-1)?.message, 'jointrain: installing @tensorflow/tfjs-node was cancelled.');
  });

  test("the real npm runner streams npm's lines and its exit code, and reports an npm that cannot start", async () => {
    const lines: string[] = [];
    const version = await spawnNpm(['--version'], process.cwd(), (line) => lines.push(line), new AbortController().signal);
    assert.equal(version.code, 0);
    assert.match(lines.join('\n'), /^\d+\.\d+\.\d+$/);
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      const missing = await spawnNpm(['--version'], process.cwd(), () => undefined, new AbortController().signal);
      assert.match(missing.spawnError ?? '', /ENOENT/);
    } finally {
      process.env.PATH = path;
    }
  });

  test('the npm arguments pin the version and leave package.json and dev dependencies alone', () => {
    assert.deepEqual(npmInstallArgs('@tensorflow/tfjs-node', '4.22.0'), [
      'install',
      '--no-save',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '@tensorflow/tfjs-node@4.22.0',
    ]);
  });
});

function run(id: string, status: RunStatus, backend: BackendReport | undefined): RunSummary {
  const record = { id, status, experimentName: 'digits', ...(backend ? { backend } : {}) } as unknown as RunRecord;
  return { dir: `/runs/${id}`, record } as unknown as RunSummary;
}

describe('offering the native backend', () => {
  test('only a fallback because tfjs-node is not installed is an offer: not a load failure, a GPU run or tfjs-node itself', () => {
    assert.equal(nativeBackendToOffer(NOT_INSTALLED), '@tensorflow/tfjs-node');
    assert.equal(nativeBackendToOffer({ ...NOT_INSTALLED, name: 'cpu' }), '@tensorflow/tfjs-node');
    const failedToLoad = { ...NOT_INSTALLED, skipped: [{ name: 'tensorflow' as const, reason: '@tensorflow/tfjs-node failed to load: invalid ELF header' }] };
    assert.equal(nativeBackendToOffer(failedToLoad), undefined);
    assert.equal(nativeBackendToOffer({ ...NOT_INSTALLED, name: 'tensorflow', skipped: [] }), undefined);
    assert.equal(nativeBackendToOffer(undefined), undefined);
  });

  test('a live run on wasm without tfjs-node brings one offer per window; Install runs the command for tfjs-node', async () => {
    const state = new Map<string, unknown>();
    const offer = new NativeBackendOffer({ get: <T>(key: string) => state.get(key) as T, update: async (key, value) => void state.set(key, value) });
    offer.onRunsChanged([run('r-done', 'completed', NOT_INSTALLED)]);
    assert.equal(shown.length, 0, 'a finished run is no reason to interrupt');
    answers.information.push('Install…');
    offer.onRunsChanged([run('r-1', 'running', NOT_INSTALLED)]);
    offer.onRunsChanged([run('r-2', 'running', NOT_INSTALLED)]);
    assert.equal(shown.length, 1);
    assert.match(shown[0]?.message ?? '', /run r-1 trains on wasm, because @tensorflow\/tfjs-node is not installed/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(executed, [{ command: INSTALL_NATIVE_BACKEND, args: ['@tensorflow/tfjs-node'] }]);
  });

  test("Don't ask again is remembered, and silences the offer in the next window too", async () => {
    const state = new Map<string, unknown>();
    const memento = { get: <T>(key: string) => state.get(key) as T, update: async (key: string, value: unknown) => void state.set(key, value) };
    answers.information.push("Don't ask again");
    new NativeBackendOffer(memento).onRunsChanged([run('r-1', 'running', NOT_INSTALLED)]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(state.get(NATIVE_OFFER_DISMISSED), true);
    new NativeBackendOffer(memento).onRunsChanged([run('r-2', 'running', NOT_INSTALLED)]);
    assert.equal(shown.length, 1);
  });
});
