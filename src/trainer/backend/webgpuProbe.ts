/**
 * Asks Dawn for an adapter in a short-lived child process before `auto` opens it in the trainer.
 * A GPU driver that crashes while Dawn enumerates it would otherwise abort the trainer itself, and
 * Dawn writes its driver warnings straight to the process's stderr (two lines on every start with
 * Mesa's software Vulkan driver, an adapter `auto` skips anyway). The trainer opens Dawn only when
 * the child found a hardware adapter.
 */
import { execFile } from 'node:child_process';
import { describeAdapter, noAdapterReason, vulkanDrivers, type GpuAdapter } from './webgpuAdapter';

/** Runs in the child: prints the adapter Dawn offers as JSON (`null` for none). `process.argv[1]` is the binding's path. */
const PROBE = `
const dawn = require(process.argv[1]);
Object.assign(globalThis, dawn.globals);
dawn.create([]).requestAdapter({ powerPreference: 'high-performance' }).then(async (adapter) => {
  const info = adapter === null ? null : (adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {});
  const plain = info === null ? null : { vendor: info.vendor, architecture: info.architecture, description: info.description, device: info.device };
  process.stdout.write(JSON.stringify(adapter === null ? null : { info: plain, fallback: adapter.isFallbackAdapter === true }));
  process.exit(0);
});`;

const PROBE_TIMEOUT_MS = 60_000;

interface ProbeAnswer {
  info: { vendor?: string; architecture?: string; description?: string; device?: string };
  fallback: boolean;
}

/** The adapter Dawn (the binding at `bindingPath`) offers, asked in a child process; a string says why there is none. */
export function probeWebGpu(bindingPath: string): Promise<GpuAdapter | string> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', PROBE, bindingPath], { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        const how = error.signal !== null && error.signal !== undefined ? `was killed by ${error.signal}` : `exited with code ${String(error.code)}`;
        const said = firstWords(stderr);
        resolve(`asking Dawn for an adapter ${how}${said ? `: ${said}` : ''} (a GPU driver that fails here would have stopped the trainer)`);
        return;
      }
      try {
        const answer = JSON.parse(stdout) as ProbeAnswer | null;
        resolve(answer === null ? noAdapterReason(process.platform, vulkanDrivers()) : describeAdapter(answer.info, answer.fallback));
      } catch {
        resolve(`asking Dawn for an adapter printed no answer: ${stdout.slice(0, 200)}`);
      }
    });
  });
}

/** What the child said first: its error's message when it threw one, else its first line (a native crash's backtrace follows it). */
function firstWords(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return (lines.find((line) => /^\w*Error: /.test(line)) ?? lines[0])?.slice(0, 300);
}
