/**
 * code-server — the real VS Code workbench and extension host, served over HTTP — started for one
 * test on a free loopback port with its own extensions, user-data and config folders. It is
 * installed (offline, cached per version) by scripts/e2e/install.sh.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { REPO_ROOT } from './paths';
import { killScenarioProcessesNow, SCENARIO_VARIABLE, stopScenarioProcesses } from './processes';

const VERSION = readFileSync(join(REPO_ROOT, 'scripts', 'e2e', 'code-server-version'), 'utf8').trim();
const STARTUP_TIMEOUT_MS = 60_000;
const POLL_MS = 100;

export interface CodeServerOptions {
  /** A name unique to the scenario: it marks every process started below code-server. */
  scenario: string;
  /** The folder the window opens. */
  workspace: string;
  extensionsDir: string;
  userDataDir: string;
  /** Holds code-server's own config and data (XDG folders), so the user's are left alone. */
  homeDir: string;
  /** code-server's stdout and stderr go here. */
  logFile: string;
  /** With `--disable-workspace-trust` every folder is trusted and no trust dialog appears. */
  disableWorkspaceTrust: boolean;
}

export interface CodeServer {
  /** The workbench URL with the workspace folder opened. */
  readonly url: string;
  /** Stops code-server and every process started below it (terminals and trainers included). */
  stop(): Promise<void>;
}

function installDir(): string {
  const cache = process.env.JOINTRAIN_E2E_CACHE ?? join(homedir(), '.cache', 'jointrain-e2e');
  const dir = join(cache, `code-server-${VERSION}`);
  if (!existsSync(join(dir, '.installed'))) {
    throw new Error(`code-server ${VERSION} is not installed in ${dir}: run scripts/e2e/install.sh (npm run test:e2e does).`);
  }
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port from the loopback listener');
  return address.port;
}

/** Variables of the test process that must not leak into VS Code's processes and terminals. */
function serverEnvironment(options: CodeServerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [SCENARIO_VARIABLE]: options.scenario,
    XDG_CONFIG_HOME: join(options.homeDir, 'config'),
    XDG_DATA_HOME: join(options.homeDir, 'data'),
  };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function logTail(logFile: string): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '(no log)';
}

async function answersHttp(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const entry = join(installDir(), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const port = await freePort();
  mkdirSync(options.homeDir, { recursive: true });
  const args = [
    entry,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--extensions-dir',
    options.extensionsDir,
    '--user-data-dir',
    options.userDataDir,
    ...(options.disableWorkspaceTrust ? ['--disable-workspace-trust'] : []),
    options.workspace,
  ];
  const log = openSync(options.logFile, 'a');
  // Its own process group, so that stopping it reaches the file watchers it forks.
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: serverEnvironment(options) });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`code-server did not start: ${logTail(options.logFile)}`);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `code-server exited (${signal ?? code ?? '?'})`));
  const killOnExit = (): void => killScenarioProcessesNow(pid, options.scenario);
  process.on('exit', killOnExit);
  const stop = async (): Promise<void> => {
    await stopScenarioProcesses(pid, options.scenario);
    process.off('exit', killOnExit);
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await answersHttp(port))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(`${exited ?? `code-server did not answer on port ${port} within ${STARTUP_TIMEOUT_MS} ms`}:\n${logTail(options.logFile)}`);
    }
    await delay(POLL_MS);
  }
  return { url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`, stop };
}
