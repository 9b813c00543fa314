/**
 * Drives the `jointrain` CLI in this process: `main(argv)` as bin/jointrain.js calls it, with what
 * it writes to stdout and stderr captured instead of printed, and the exit code it returns.
 *
 * The CLI writes through `process.stdout.write` and `process.stderr.write` (and commander's
 * defaults do too), so those two methods are replaced for the duration of a call and restored
 * after it. Only strings are captured: Node's test runner reports a test file's results to its
 * parent as Buffers on this same stdout, even while a test runs, and those pass through untouched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { main } from '../../../../src/trainer/cli';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Called with each string the CLI writes to stderr as it writes it (the run's progress lines), to act on them mid-run. */
export type StderrWatcher = (text: string) => void;

type Write = typeof process.stdout.write;

/**
 * Replaces `stream.write` with one that collects strings into `into` (and shows them to `watch`)
 * and passes anything else to the stream's own write; returns what puts the stream's own back.
 */
function captureWrites(stream: NodeJS.WriteStream, into: string[], watch?: StderrWatcher): () => void {
  const own = Object.getOwnPropertyDescriptor(stream, 'write');
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk !== 'string') return original(chunk, ...rest);
    into.push(chunk);
    watch?.(chunk);
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    if (callback) process.nextTick(callback);
    return true;
  }) as Write;
  return () => {
    if (own) Object.defineProperty(stream, 'write', own);
    else Reflect.deleteProperty(stream, 'write');
  };
}

/** Runs `fn` with stdout and stderr captured; `process.exitCode` is cleared before and after, so the test process is not marked failed. */
export async function captureOutput<T>(fn: () => Promise<T>, onStderr?: StderrWatcher): Promise<{ value: T; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  process.exitCode = undefined;
  const restoreOut = captureWrites(process.stdout, out);
  const restoreErr = captureWrites(process.stderr, err, onStderr);
  try {
    const value = await fn();
    return { value, stdout: out.join(''), stderr: err.join('') };
  } finally {
    restoreOut();
    restoreErr();
    process.exitCode = undefined;
  }
}

/** The `process` events a command may listen to while it runs (signals; a run folder's exit hook) and must stop listening to when it returns. */
const PROCESS_EVENTS = ['exit', 'SIGINT', 'SIGTERM'] as const;

/**
 * `jointrain <args…>` in this process: its exit code and what it printed. Fails when the command
 * returns still listening to the process's exit or signals: a run folder left open, or signal
 * handlers left behind, would act on a later command or on the exit of the test process.
 */
export async function runCli(args: readonly string[], onStderr?: StderrWatcher): Promise<CliResult> {
  const listening = () => PROCESS_EVENTS.map((event) => `${event}: ${process.listenerCount(event)}`);
  const before = listening();
  const { value, stdout, stderr } = await captureOutput(() => main(['node', 'jointrain', ...args]), onStderr);
  assert.deepEqual(listening(), before, `\`jointrain ${args.join(' ')}\` left process listeners behind; it printed:\n${stderr}`);
  return { code: value, stdout, stderr };
}

const temporaries: string[] = [];
after(() => temporaries.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A new folder under the system's temporary folder, removed when the test file ends. */
export function temporaryFolder(prefix = 'jointrain-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaries.push(dir);
  return dir;
}
