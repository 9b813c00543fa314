/**
 * `npm run bench`: runs the four benchmarks in order and writes their results into the generated
 * section of bench/README.md. Every number is a ratio or rate measured within this one run; none
 * is asserted against a time limit.
 */
import os from 'node:os';
import path from 'node:path';
import { backendComparison } from './backendComparison';
import { prepareDigitFolders } from './digitFolders';
import { inputPipeline } from './inputPipeline';
import { loopOverhead } from './loopOverhead';
import { renderSection, writeResults, type BenchSection } from './markdown';
import { mixingShares } from './mixingShares';
import { useBenchBackend } from './trainingSetup';
import { freshWorkDir } from './workDir';

const README = path.join(__dirname, 'README.md');

function machine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.availableParallelism()} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`;
}

function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadAtStart = loadAverage();
  const sections: BenchSection[] = [];
  const finish = (section: BenchSection) => {
    sections.push(section);
    console.log(`\n${renderSection(section)}`);
  };
  console.log('Preparing the digit folders in bench/.work/data …');
  const folders = await prepareDigitFolders();
  const backend = await useBenchBackend();
  const sharedCacheDir = freshWorkDir('cache', 'shared');
  console.log('1. Loop overhead …');
  finish(await loopOverhead({ imagesDir: folders[4000], cacheDir: sharedCacheDir, backend }));
  console.log('2. Input pipeline …');
  finish(await inputPipeline({ folders, sharedCacheDir, backend }));
  console.log('3. Mixing sanity …');
  finish(mixingShares());
  console.log('4. Backends: cpu, wasm and PyTorch …');
  finish(await backendComparison());
  const minutes = (performance.now() - started) / 60_000;
  const loadAtEnd = loadAverage();
  const contended = Math.max(loadAtStart, loadAtEnd) > os.availableParallelism();
  const header =
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; the whole bench took ${minutes.toFixed(1)} min. ` +
    `1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadAtEnd.toFixed(1)} at the end` +
    (contended ? ': above the core count, so other processes competed for the CPU and absolute times are pessimistic.' : '.');
  writeResults(README, [header, '', ...sections.map(renderSection)].join('\n'));
  console.log(`\nWrote the results to ${path.relative(process.cwd(), README)}.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
