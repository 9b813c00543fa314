/**
 * Which Node runs the trainer. Native tfjs addons do not load under Electron's Node, so a real
 * `node` ≥ 20 is preferred: the configured one, else `node` on PATH, else VS Code's own runtime
 * (ELECTRON_RUN_AS_NODE) with a notice that native backends may not load there.
 */
export interface NodeRuntime {
  command: string;
  env: Record<string, string>;
  /** Shown to the user when the fallback runtime is used. */
  notice?: string;
}

export type VersionProbe = (command: string) => Promise<string>;

export const MIN_NODE_MAJOR = 20;

export async function resolveNodeRuntime(configured: string | undefined, probe: VersionProbe, fallbackExecPath: string): Promise<NodeRuntime> {
  if (configured) {
    const version = await versionOf(configured, probe);
    if (version === undefined) throw new Error(`jointrain.nodePath "${configured}" could not be run: set it to a Node.js ${MIN_NODE_MAJOR}+ executable`);
    if (majorOf(version) < MIN_NODE_MAJOR)
      throw new Error(`jointrain.nodePath "${configured}" is Node ${version}; jointrain needs Node ${MIN_NODE_MAJOR} or newer`);
    return { command: configured, env: {} };
  }
  const onPath = await versionOf('node', probe);
  if (onPath !== undefined && majorOf(onPath) >= MIN_NODE_MAJOR) return { command: 'node', env: {} };
  return {
    command: fallbackExecPath,
    env: { ELECTRON_RUN_AS_NODE: '1' },
    notice: `No Node.js ${MIN_NODE_MAJOR}+ found on PATH${onPath ? ` (found ${onPath})` : ''}: training runs on VS Code's own runtime, where the native TensorFlow backends may not load. Set jointrain.nodePath to use another Node.`,
  };
}

async function versionOf(command: string, probe: VersionProbe): Promise<string | undefined> {
  try {
    const output = (await probe(command)).trim();
    return /^v?\d+\.\d+/.test(output) ? output.replace(/^v/, '') : undefined;
  } catch {
    return undefined;
  }
}

function majorOf(version: string): number {
  return Number.parseInt(version, 10);
}
