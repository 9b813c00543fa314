/**
 * When to offer the native CPU backend: a run that fell back to wasm or cpu because
 * `@tensorflow/tfjs-node` is not installed (not because it failed to load: installing again
 * would not help). tfjs-node-gpu is never offered unasked: it needs CUDA 11.2 and cuDNN 8.1.
 */
import type { BackendReport } from './format';

export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'] as const;
export type NativePackage = (typeof NATIVE_PACKAGES)[number];

export function nativeBackendToOffer(backend: BackendReport | undefined): NativePackage | undefined {
  if (backend === undefined || (backend.name !== 'wasm' && backend.name !== 'cpu')) return undefined;
  const skipped = backend.skipped.find((entry) => entry.name === 'tensorflow');
  return skipped?.reason === '@tensorflow/tfjs-node is not installed' ? '@tensorflow/tfjs-node' : undefined;
}
