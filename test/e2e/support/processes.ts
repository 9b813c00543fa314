/**
 * Stopping code-server and everything it started. Its file watchers (`bootstrap-fork`) share its
 * process group; terminal shells get sessions of their own from node-pty, and trainers are
 * detached on purpose (a run outlives the window) and are re-parented to init when the extension
 * host that started them goes away, e.g. on a window reload. So the processes of a scenario are
 * found twice over: as descendants of the server, collected before any of them is signalled, and
 * by the scenario's mark in their environment, which every process started below it inherits.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** Set in code-server's environment; its value names the scenario. */
export const SCENARIO_VARIABLE = 'JOINTRAIN_E2E_SCENARIO';

const POLL_MS = 50;

function descendantsOf(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid === undefined || ppid === undefined || Number.isNaN(pid) || Number.isNaN(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function markedWith(scenario: string): number[] {
  const mark = `${SCENARIO_VARIABLE}=${scenario}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(mark);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone: nothing to stop.
  }
}

/** Sends `name` to the server's process group and to every process of the scenario; returns their pids. */
function signalScenario(serverPid: number, scenario: string, name: NodeJS.Signals): number[] {
  const pids = [...new Set([serverPid, ...descendantsOf(serverPid), ...markedWith(scenario)])].filter((pid) => pid !== process.pid);
  signal(-serverPid, name);
  pids.forEach((pid) => signal(pid, name));
  return pids;
}

/** SIGTERM to every process of the scenario, then SIGKILL to those still alive after `graceMs`. */
export async function stopScenarioProcesses(serverPid: number, scenario: string, graceMs = 5_000): Promise<void> {
  const pids = signalScenario(serverPid, scenario, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await delay(POLL_MS);
  pids.filter(isAlive).forEach((pid) => signal(pid, 'SIGKILL'));
}

/** Synchronous last resort for `process.on('exit')`, where nothing asynchronous runs any more. */
export function killScenarioProcessesNow(serverPid: number, scenario: string): void {
  signalScenario(serverPid, scenario, 'SIGKILL');
}
