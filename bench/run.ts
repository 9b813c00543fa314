/**
 * `npm run bench`: runs the ten benchmarks in order and writes their results into the generated
 * section of bench/README.md. Every number is a ratio or rate measured within this one run; none
 * is asserted against a time limit. `npm run bench -- backends` (or any of the names in
 * BENCHMARKS) runs only those and replaces only their parts of the results.
 */
import os from 'node:os';
import path from 'node:path';
import { backendComparison } from './backendComparison';
import { balancingEvidence, diagnosticsCost } from './balancingEvidence';
import { prepareDigitFolders } from './digitFolders';
import { evidenceSuite } from './evidence/suite';
import { inputPipeline } from './inputPipeline';
import { loopOverhead } from './loopOverhead';
import { renderSection, replaceSections, writeResults, type BenchSection } from './markdown';
import { mixingShares } from './mixingShares';
import { panelRender } from './panelRender';
import { useBenchBackend } from './trainingSetup';
import { threadScaling } from './threadScaling';
import { webgpuComparison } from './webgpuComparison';
import { wholeRun } from './wholeRun';
import { freshWorkDir } from './workDir';

const README = path.join(__dirname, 'README.md');

/** The digit folders and backend that benchmarks 1 and 2 share, prepared by the first that asks. */
type DigitSetup = { folders: Awaited<ReturnType<typeof prepareDigitFolders>>; backend: string; sharedCacheDir: string };

interface Benchmark {
  name: string;
  title: string;
  run(digits: () => Promise<DigitSetup>): Promise<BenchSection> | BenchSection;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'loop',
    title: '1. Loop overhead',
    run: async (digits) => {
      const { folders, sharedCacheDir, backend } = await digits();
      return loopOverhead({ imagesDir: folders[4000], cacheDir: sharedCacheDir, backend });
    },
  },
  { name: 'pipeline', title: '2. Input pipeline', run: async (digits) => inputPipeline(await digits()) },
  { name: 'mixing', title: '3. Mixing sanity', run: () => mixingShares() },
  { name: 'backends', title: '4. Backends: cpu, wasm and PyTorch', run: () => backendComparison() },
  { name: 'panel', title: '5. Panel rendering', run: () => panelRender() },
  { name: 'balancing', title: '6. Balancing evidence', run: () => balancingEvidence() },
  { name: 'diagnostics', title: '7. Diagnostics overhead', run: () => diagnosticsCost() },
  { name: 'whole', title: '8. Whole run against PyTorch', run: async (digits) => wholeRun((await digits()).folders[4000]) },
  { name: 'threads', title: '9. Threads: jointrain on every core against PyTorch', run: () => threadScaling() },
  { name: 'evidence', title: '10. Evidence suite', run: () => evidenceSuite() },
  { name: 'webgpu', title: '11. WebGPU against wasm', run: () => webgpuComparison() },
];

function machine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.availableParallelism()} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`;
}

function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}

function chosenBenchmarks(names: string[]): Benchmark[] {
  const unknown = names.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')}: choose from ${BENCHMARKS.map((benchmark) => benchmark.name).join(', ')}, or none for all`);
  }
  return names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((benchmark) => names.includes(benchmark.name));
}

function prepareOnce(): () => Promise<DigitSetup> {
  let prepared: Promise<DigitSetup> | undefined;
  return () => {
    prepared ??= (async () => {
      console.log('Preparing the digit folders in bench/.work/data …');
      const folders = await prepareDigitFolders();
      return { folders, backend: await useBenchBackend(), sharedCacheDir: freshWorkDir('cache', 'shared') };
    })();
    return prepared;
  };
}

async function main(): Promise<void> {
  const chosen = chosenBenchmarks(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = loadAverage();
  const digits = prepareOnce();
  const sections: BenchSection[] = [];
  for (const benchmark of chosen) {
    console.log(`${benchmark.title} …`);
    const section = await benchmark.run(digits);
    sections.push(section);
    console.log(`\n${renderSection(section)}`);
  }
  const minutes = (performance.now() - started) / 60_000;
  const loadAtEnd = loadAverage();
  const contended = Math.max(loadAtStart, loadAtEnd) > os.availableParallelism();
  const measured =
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; ${chosen === BENCHMARKS ? 'the whole bench' : 'this part alone'} took ${minutes.toFixed(1)} min. ` +
    `1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadAtEnd.toFixed(1)} at the end` +
    (contended ? ': above the core count, so other processes competed for the CPU and absolute times are pessimistic.' : '.');
  if (chosen === BENCHMARKS) {
    writeResults(README, [measured, '', ...sections.map(renderSection)].join('\n'));
  } else {
    // A part rerun alone says so in its own first line: the header above it describes the last full run.
    replaceSections(
      README,
      sections.map((section) => ({
        ...section,
        body: [`*Rerun alone (\`npm run bench -- ${chosen.map((b) => b.name).join(' ')}\`).* ${measured}`, '', ...section.body],
      })),
    );
  }
  console.log(`\nWrote the results to ${path.relative(process.cwd(), README)}.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
