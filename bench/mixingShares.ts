/**
 * Benchmark 3, mixing sanity: for each strategy, the share of samples each dataset actually got
 * from `MixingSampler` over about 10,000 samples, against the configured share from
 * `configuredShares`. Also the worst drift in samples at any step along the way, which the
 * sampler's largest-remainder allocation bounds at about one sample per dataset.
 */
import { configuredShares } from '../src/shared/mixing/shares';
import type { MixingStrategy } from '../src/shared/experiment/schema';
import { Random } from '../src/shared/random';
import { MixingSampler } from '../src/trainer/mixing/mixingSampler';
import { table, type BenchSection } from './markdown';
import { fixed } from './stats';

const SIZES = [3000, 300, 150];
const SAMPLES = 10_000;
const BATCH_SIZE = 64;

interface MixingCase {
  label: string;
  strategy: MixingStrategy;
  temperature: number;
  samplingWeights: number[];
}

const CASES: MixingCase[] = [
  { label: 'proportional', strategy: 'proportional', temperature: 1, samplingWeights: [1, 1, 1] },
  { label: 'uniform', strategy: 'uniform', temperature: 1, samplingWeights: [1, 1, 1] },
  { label: 'temperature, T = 2', strategy: 'temperature', temperature: 2, samplingWeights: [1, 1, 1] },
  { label: 'temperature, T = 3', strategy: 'temperature', temperature: 3, samplingWeights: [1, 1, 1] },
  { label: 'weights 1 : 2 : 4', strategy: 'weights', temperature: 1, samplingWeights: [1, 2, 4] },
  { label: 'proportional × weights 1 : 3 : 6', strategy: 'proportional', temperature: 1, samplingWeights: [1, 3, 6] },
];

interface CaseResult {
  configured: number[];
  realized: number[];
  samples: number;
  maxShareDeviation: number;
  /** Largest |drawn − share × total drawn| over every dataset and every step, in samples. */
  maxDriftSamples: number;
}

function runCase(mixing: MixingCase): CaseResult {
  const configured = configuredShares({ strategy: mixing.strategy, temperature: mixing.temperature, sizes: SIZES, samplingWeights: mixing.samplingWeights });
  const steps = Math.ceil(SAMPLES / BATCH_SIZE);
  const sampler = new MixingSampler(SIZES, configured, { steps }, BATCH_SIZE, new Random(42));
  sampler.startEpoch();
  let maxDriftSamples = 0;
  for (let batch = sampler.next(); batch !== undefined; batch = sampler.next()) {
    const drawn = sampler.accounting.epochDrawn;
    const total = drawn.reduce((sum, n) => sum + n, 0);
    drawn.forEach((n, d) => {
      maxDriftSamples = Math.max(maxDriftSamples, Math.abs(n - (configured[d] as number) * total));
    });
  }
  const realized = sampler.realizedShares();
  const samples = sampler.accounting.epochDrawn.reduce((sum, n) => sum + n, 0);
  const maxShareDeviation = Math.max(...realized.map((share, d) => Math.abs(share - (configured[d] as number))));
  return { configured, realized, samples, maxShareDeviation, maxDriftSamples };
}

export function mixingShares(): BenchSection {
  const results = CASES.map((mixing) => ({ mixing, result: runCase(mixing) }));
  const shares = (values: number[]) => values.map((v) => fixed(v, 4)).join(' / ');
  const worst = Math.max(...results.map(({ result }) => result.maxShareDeviation));
  const samples = results[0]?.result.samples ?? 0;
  return {
    title: '3. Mixing sanity',
    body: [
      `Dataset sizes [${SIZES.join(', ')}], batch ${BATCH_SIZE}, ${samples.toLocaleString('en-US')} samples (${Math.ceil(SAMPLES / BATCH_SIZE)} steps). No tfjs involved.`,
      '',
      ...table(
        ['strategy', 'configured shares', 'realized shares', 'max abs deviation', 'worst drift along the way (samples)'],
        results.map(({ mixing, result }) => [
          mixing.label,
          shares(result.configured),
          shares(result.realized),
          result.maxShareDeviation.toExponential(1),
          fixed(result.maxDriftSamples, 2),
        ]),
      ),
      '',
      `Largest deviation over all strategies: **${worst.toExponential(1)}** (one sample in ${samples.toLocaleString('en-US')} is ${(1 / samples).toExponential(1)}).`,
    ],
  };
}
