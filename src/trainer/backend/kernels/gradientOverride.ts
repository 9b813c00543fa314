/**
 * Replacing a tfjs gradient with one that calls a jointrain kernel. tfjs's gradient registry is
 * global, not per backend, so each replacement asks for its fast path per call and gives back tfjs's
 * own gradient whenever that path does not apply (another backend, wasm without SIMD, a case the
 * kernel does not take).
 */
import * as tf from '@tensorflow/tfjs';

type GradientMap = ReturnType<tf.GradConfig['gradFunc']>;

/** The fast gradient, or undefined to use tfjs's own. */
export type FastGradient = (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => GradientMap | undefined;

const replaced = new Set<string>();

/** Replaces `kernelName`'s gradient once; calling it again changes nothing. */
export function overrideGradient(kernelName: string, fast: FastGradient): void {
  if (replaced.has(kernelName)) return;
  const stock = tf.getGradient(kernelName);
  if (stock === undefined) return;
  replaced.add(kernelName);
  tf.registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => (Array.isArray(dy) ? undefined : fast(dy, saved, attrs)) ?? stock.gradFunc(dy, saved, attrs),
  });
}

/** True when the current backend has the kernel jointrain registered for it. */
export const hasKernel = (kernelName: string): boolean => tf.getKernel(kernelName, tf.getBackend()) !== undefined;
