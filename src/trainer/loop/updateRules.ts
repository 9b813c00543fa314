/**
 * What happens to the gradients and the weights around an optimizer step, as the experiment's
 * optimizer says: gradients clipped element-wise (`clip_value`), then by their global norm over all
 * weights (`clip_norm`, Keras' global_clipnorm: g · clip_norm / max(‖g‖, clip_norm)); and adamw's
 * decoupled weight decay (PyTorch AdamW: w ← w · (1 − lr · weight_decay) before the step, at the
 * learning rate in force), on the model's weights only — not on a balancer's own variables.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingSpec } from '../../shared/experiment/schema';

export interface UpdateRules {
  clipValue?: number;
  clipNorm?: number;
  /** adamw: the decay rate, and the variables it shrinks. */
  decay?: { rate: number; variables: readonly tf.Variable[] };
  /** The learning rate in force, which the decay is scaled by. */
  learningRate(): number;
}

/** The rules an optimizer spec asks for, or undefined when it asks for none. */
export function updateRulesFor(spec: TrainingSpec['optimizer'], decayed: readonly tf.Variable[], learningRate: () => number): UpdateRules | undefined {
  const decay = spec.type === 'adamw' && spec.weight_decay > 0 ? { rate: spec.weight_decay, variables: decayed } : undefined;
  if (spec.clip_value === undefined && spec.clip_norm === undefined && decay === undefined) return undefined;
  return {
    ...(spec.clip_value !== undefined ? { clipValue: spec.clip_value } : {}),
    ...(spec.clip_norm !== undefined ? { clipNorm: spec.clip_norm } : {}),
    ...(decay !== undefined ? { decay } : {}),
    learningRate,
  };
}

/** New tensors (the caller disposes them): the gradients clipped as the rules say. */
export function clippedGradients(grads: tf.NamedTensorMap, rules: UpdateRules): tf.NamedTensorMap {
  return tf.tidy(() => {
    let clipped: tf.NamedTensorMap = { ...grads };
    const { clipValue, clipNorm } = rules;
    if (clipValue !== undefined) clipped = mapValues(clipped, (g) => tf.clipByValue(g, -clipValue, clipValue));
    if (clipNorm !== undefined) {
      const squares = Object.values(clipped).map((g) => tf.sum(tf.square(g)));
      const norm = tf.sqrt(squares.length === 1 ? (squares[0] as tf.Tensor) : tf.addN(squares));
      const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
      clipped = mapValues(clipped, (g) => tf.mul(g, scale));
    }
    // A copy where nothing was clipped, so that every tensor returned is the caller's to dispose.
    return mapValues(clipped, (g) => (Object.values(grads).includes(g) ? tf.clone(g) : g));
  });
}

/** adamw: every decayed weight shrinks by lr · rate, before the optimizer's step. */
export function decayWeights(rules: UpdateRules): void {
  if (rules.decay === undefined) return;
  const keep = 1 - rules.learningRate() * rules.decay.rate;
  tf.tidy(() => rules.decay?.variables.forEach((variable) => variable.assign(tf.mul(variable, keep))));
}

function mapValues(map: tf.NamedTensorMap, f: (tensor: tf.Tensor) => tf.Tensor): tf.NamedTensorMap {
  return Object.fromEntries(Object.entries(map).map(([name, tensor]) => [name, f(tensor)]));
}
