/**
 * How many threads a run trains on, and why not more: pure, so the rule is tested apart from the
 * workers. A data-parallel step is exact only where splitting the batch does not change what is
 * computed, so the model and the balancer can keep a run on one thread.
 */
import type { ResolvedBackend } from '../../shared/runs/format';

/** Below this many samples per thread, handing a shard over costs more than computing it. */
export const MIN_SHARD_SAMPLES = 16;
/**
 * Below this much forward work per thread a step, a second thread slows a step down. Benchmark 9
 * (bench/README.md) measured 2 threads against 1 on this project's 2-core machine, over three runs:
 * 0.90× to 1.35× at 13 to 36 million multiply-adds per thread (models (a), (b), (c), (e)), 0.5× to
 * 0.8× at 0.7 million (a small tabular MLP); the bundled example's MLP, at 3.5 million, 0.5× to 0.6×.
 */
export const MIN_SHARD_MULTIPLY_ADDS = 10e6;

export interface ThreadInputs {
  requested: 'auto' | number;
  cores: number;
  backend: ResolvedBackend;
  batchSize: number;
  /** The model's forward multiply-adds per sample (`multiplyAddsPerSample`). */
  multiplyAdds: number;
  /** Layer types in the model that compute over the whole batch (batch normalization's statistics). */
  batchWideLayers: string[];
  balancer: string;
  /** The balancer trains variables of its own (uncertainty's log-variances). */
  balancerVariables: boolean;
}

export interface ThreadPlan {
  requested: 'auto' | number;
  used: number;
  /** Why fewer threads are used than requested (or, for auto, than the machine has cores). */
  reason?: string;
}

export function planThreads(input: ThreadInputs): ThreadPlan {
  const { requested } = input;
  const wanted = requested === 'auto' ? input.cores : requested;
  const single = (reason: string): ThreadPlan => ({ requested, used: 1, ...(wanted > 1 ? { reason } : {}) });
  if (input.backend !== 'wasm' && input.backend !== 'cpu') return single(`the ${input.backend} backend runs each kernel on several cores itself`);
  if (wanted <= 1) return { requested, used: 1 };
  if (input.batchWideLayers.length > 0) {
    return single(`${input.batchWideLayers.join(', ')} computes statistics over the whole batch, which a split batch would change`);
  }
  if (input.balancer === 'pcgrad') return single("pcgrad projects each dataset's whole-batch gradient in every step, on one thread");
  if (input.balancerVariables) return single(`the ${input.balancer} balancer's learned weights are not split across threads`);
  if (requested !== 'auto') return { requested, used: Math.min(requested, input.batchSize) };
  const bySamples = Math.floor(input.batchSize / MIN_SHARD_SAMPLES);
  const byWork = Math.floor((input.multiplyAdds * input.batchSize) / MIN_SHARD_MULTIPLY_ADDS);
  const used = Math.max(1, Math.min(input.cores, bySamples, byWork));
  if (used === input.cores) return { requested, used };
  const millions = (input.multiplyAdds * input.batchSize) / 1e6;
  const reason =
    byWork <= bySamples
      ? `a step's forward pass is ${millions < 0.1 ? 'under 0.1' : `about ${millions < 10 ? millions.toFixed(1) : Math.round(millions)}`} million multiply-adds; below ${MIN_SHARD_MULTIPLY_ADDS / 1e6} million per thread, handing work to a thread costs more than it saves`
      : `a batch of ${input.batchSize} gives each thread at least ${MIN_SHARD_SAMPLES} samples on ${used} ${used === 1 ? 'thread' : 'threads'}`;
  return { requested, used, reason };
}
