// Bundles the three runtimes with esbuild (see ARCHITECTURE.md): the trainer/CLI and the extension
// host for Node (CommonJS), the webview for the browser. Native and wasm-loading packages stay
// external: they must resolve their own files from node_modules at run time.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20', platform: 'node', format: 'cjs' };
const nodeExternal = ['@tensorflow/*', 'sharp', 'webgpu'];

await Promise.all([
  build({ ...common, entryPoints: ['src/trainer/cli.ts'], outfile: 'dist/trainer.js', external: nodeExternal }),
  // The trainer's shard workers (worker threads) load this file next to it: see dataParallelStep.ts.
  build({ ...common, entryPoints: ['src/trainer/parallel/shardWorker.ts'], outfile: 'dist/shardWorker.js', external: nodeExternal }),
  build({ ...common, entryPoints: ['src/extension/activate.ts'], outfile: 'dist/extension.js', external: ['vscode', ...nodeExternal] }),
  ...(existsSync('webview/main.ts')
    ? [build({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' })]
    : []),
]);
