import * as tf from '@tensorflow/tfjs';
import type { TrainingSpec } from '../../shared/experiment/schema';
import { FusedAdamOptimizer } from './fusedAdam';
import { clippedGradients, decayWeights, type UpdateRules } from './updateRules';

export function createOptimizer(spec: Pick<TrainingSpec['optimizer'], 'type' | 'learning_rate' | 'momentum'>): tf.Optimizer {
  switch (spec.type) {
    case 'adam':
    case 'adamw':
      // tf.train.adam's defaults (β1 0.9, β2 0.999, the backend's ε), one kernel per variable on
      // wasm; adamw's decoupled decay is applied to the weights before the step (updateRules.ts).
      return new FusedAdamOptimizer(spec.learning_rate, 0.9, 0.999);
    case 'sgd':
      return tf.train.sgd(spec.learning_rate);
    case 'momentum':
      return tf.train.momentum(spec.learning_rate, spec.momentum);
    case 'rmsprop':
      return tf.train.rmsprop(spec.learning_rate, 0.9, spec.momentum);
    case 'adagrad':
      return tf.train.adagrad(spec.learning_rate);
  }
}

/**
 * Applies gradients to every trainable variable, in one fixed order. tfjs optimizers keep their
 * slots (Adam's moments, momentum, …) by the *position* of a variable in the gradient map, not by
 * its name, so a step in which some dataset is absent — and its head gets no gradient — would shift
 * the positions and give later variables another variable's slots. A missing gradient is zero.
 */
export function applyAllGradients(optimizer: tf.Optimizer, variables: readonly tf.Variable[], grads: tf.NamedTensorMap, rules?: UpdateRules): void {
  const complete: tf.NamedTensorMap = {};
  const zeros: tf.Tensor[] = [];
  for (const variable of variables) {
    const grad = grads[variable.name];
    if (grad !== undefined) complete[variable.name] = grad;
    else zeros.push((complete[variable.name] = tf.zerosLike(variable)));
  }
  const clipped = rules === undefined ? complete : clippedGradients(complete, rules);
  if (rules !== undefined) decayWeights(rules);
  optimizer.applyGradients(clipped);
  tf.dispose(zeros);
  if (clipped !== complete) tf.dispose(Object.values(clipped));
}

/** Sets the rate the optimizer's next steps take; tfjs's SGD-based optimizers keep it as a tensor. */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const withSetter = optimizer as tf.Optimizer & { setLearningRate?: (rate: number) => void; learningRate?: number };
  if (typeof withSetter.setLearningRate === 'function') withSetter.setLearningRate(learningRate);
  else withSetter.learningRate = learningRate;
}
