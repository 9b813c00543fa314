/**
 * tfjs's AdamOptimizer with each variable's update done by one kernel where the backend has it
 * (jointrain registers it for wasm), and the stock element-wise ops elsewhere. Slots, iteration
 * count, bias-correction powers, getWeights and setWeights are the stock optimizer's, so
 * checkpoints are interchangeable, and the results are the same bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE, type AdamUpdateAttrs } from '../backend/kernels/adamUpdate';

/** The stock optimizer's fields this one reads and writes; they are public at run time. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable }>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable }>;
  incrementIterations(): void;
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) === undefined) {
      // tfjs types Adam's parameter more narrowly than Optimizer's; it reads gradients only.
      super.applyGradients(variableGradients as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
      return;
    }
    const self = this as unknown as AdamInternals;
    const named = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const f = Math.fround;
    const accBeta1 = self.accBeta1.dataSync()[0] as number;
    const accBeta2 = self.accBeta2.dataSync()[0] as number;
    const attrs: AdamUpdateAttrs = {
      beta1: self.beta1,
      beta2: self.beta2,
      oneMinusAccBeta1: f(1 - accBeta1),
      oneMinusAccBeta2: f(1 - accBeta2),
      epsilon: self.epsilon,
      learningRate: self.learningRate,
    };
    tf.tidy(() => {
      named.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        const first = (self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
        const second = (self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
        if (gradient == null) return;
        const [newValue, newM, newV] = tf
          .engine()
          .runKernel(ADAM_UPDATE, { value, gradient, m: first.variable, v: second.variable }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        first.variable.assign(newM as tf.Tensor);
        second.variable.assign(newV as tf.Tensor);
        value.assign(newValue as tf.Tensor);
      });
      self.accBeta1.assign(tf.scalar(f(accBeta1 * f(self.beta1))));
      self.accBeta2.assign(tf.scalar(f(accBeta2 * f(self.beta2))));
    });
    self.incrementIterations();
  }
}
