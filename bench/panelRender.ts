/**
 * Benchmark 5, panel rendering (issue 4): the real panel bundle (dist/webview.js) in headless
 * Chromium, in the page VS Code would give it (`panelHtml`, with its CSP), fed a run of
 * 3 datasets × 4 series × 100,000 points. It times the initial snapshot as the host really sends
 * it (after `downsampleCurves`), the same snapshot with every point, and a stream of live deltas.
 * The page side is `panelRenderPage.ts`; nothing of the panel is reimplemented.
 */
import { build } from 'esbuild';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { z } from 'zod';
import { createNonce, panelHtml } from '../src/extension/panel/panelHtml';
import { downsampleCurves, MAX_POINTS_PER_CURVE } from '../src/shared/panel/runView';
import { LONG_RUN, longRunView } from './longRun';
import { table, verdict, type BenchSection } from './markdown';
import type { PanelBenchApi, SnapshotSource } from './panelRenderPage';
import { fixed, mebibytes, median, percent, whole } from './stats';
import { freshWorkDir } from './workDir';
import { CHROMIUM, CHROMIUM_ARGS } from '../scripts/chromium';

const ROOT = path.join(__dirname, '..');
/** Lets the harness collect its own garbage (the run it builds in the page) before it posts a snapshot. */
const BENCH_ARGS = ['--js-flags=--expose-gc'];
/** The page's origin; every request to it is answered from the working tree, nothing goes to a network. */
const ORIGIN = 'https://panel.bench';
const VIEWPORT = { width: 1280, height: 800 };
/**
 * Tall enough for all 8 charts: the panel redraws only the charts in or near the viewport, so these
 * pages show what a delta costs when every chart is to be redrawn.
 */
const TALL_VIEWPORT = { width: 1280, height: 2400 };
const TALL_LOADS = 2;
/** Fresh pages opened on the host's snapshot; each then takes a few warm-up deltas and the measured ones. */
const HOST_LOADS = 5;
const WARM_UP_DELTAS = 5;
const MEASURED_DELTAS_PER_LOAD = 10;
const GOAL_SNAPSHOT_MS = 300;
const GOAL_UPDATE_MS = 16;

const UpdateTimingSchema = z.object({
  messageMs: z.number(),
  frameMs: z.number(),
  layoutMs: z.number(),
  rasterMs: z.array(z.number()),
  workMs: z.number(),
  wallMs: z.number(),
});
const SnapshotTimingSchema = UpdateTimingSchema.extend({ pointsPerSeries: z.number(), jsonBytes: z.number(), charts: z.array(z.string()) });
type UpdateTiming = z.infer<typeof UpdateTimingSchema>;
type SnapshotTiming = z.infer<typeof SnapshotTimingSchema>;

/** What one fresh page measured. */
interface PanelLoad {
  snapshot: SnapshotTiming;
  /** The `comparison` message the host sends after every snapshot; not sent after the raw one. */
  comparison?: UpdateTiming;
  firstDelta: UpdateTiming;
  /** The deltas after the warm-up. */
  measured: UpdateTiming[];
  /** CPU time of the page's main thread over the measured deltas, from Chromium's own counters. */
  measuredThreadMs: number;
  /** Console errors the page logged before the panel was ready. */
  loadingErrors: string[];
}

interface LoadPlan {
  viewport: { width: number; height: number };
  source: SnapshotSource;
  comparison: boolean;
  warmUpDeltas: number;
  measuredDeltas: number;
}

type PageFiles = Map<string, { body: string | Buffer; contentType: string }>;

/** The panel's page and the assets it loads, by path below ORIGIN. */
function pageFiles(): PageFiles {
  const asset = (relative: string) => {
    const file = path.join(ROOT, relative);
    if (!fs.existsSync(file)) throw new Error(`${relative} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
    return fs.readFileSync(file);
  };
  const html = panelHtml(
    {
      cspSource: ORIGIN,
      nonce: createNonce(randomBytes),
      scriptUri: `${ORIGIN}/dist/webview.js`,
      styleUris: [`${ORIGIN}/dist/webview.css`, `${ORIGIN}/media/panel.css`],
    },
    'Run panel-bench',
  );
  return new Map([
    ['/index.html', { body: html, contentType: 'text/html' }],
    ['/dist/webview.js', { body: asset('dist/webview.js'), contentType: 'text/javascript' }],
    ['/dist/webview.css', { body: asset('dist/webview.css'), contentType: 'text/css' }],
    ['/media/panel.css', { body: asset('media/panel.css'), contentType: 'text/css' }],
  ]);
}

async function bundleHarness(): Promise<string> {
  const outfile = path.join(freshWorkDir('panel'), 'panelRenderPage.js');
  await build({
    entryPoints: [path.join(__dirname, 'panelRenderPage.ts')],
    outfile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  });
  return outfile;
}

/** Evaluated in the page: the harness's API. */
type BenchGlobal = { panelBench: PanelBenchApi };

/**
 * Errors the page reported, split at the panel's `ready`: what it logs while loading is noted in the
 * results; an error while a message is measured stops the benchmark.
 */
interface PageErrors {
  loading: string[];
  measuring: string[];
}

async function openPanel(browser: Browser, harness: string, files: PageFiles, viewport: LoadPlan['viewport']): Promise<{ page: Page; errors: PageErrors }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: PageErrors = { loading: [], measuring: [] };
  let current = errors.loading;
  page.on('pageerror', (error) => current.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') current.push(message.text());
  });
  await page.addInitScript({ path: harness });
  await page.route(`${ORIGIN}/**`, (route) => {
    const file = files.get(new URL(route.request().url()).pathname);
    return file ? route.fulfill({ status: 200, body: file.body, contentType: file.contentType }) : route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.evaluate(() => (globalThis as unknown as BenchGlobal).panelBench.ready());
  current = errors.measuring;
  return { page, errors };
}

const delta = async (page: Page, index: number) =>
  UpdateTimingSchema.parse(await page.evaluate((i) => (globalThis as unknown as BenchGlobal).panelBench.delta(i), index));

async function measureLoad(browser: Browser, harness: string, files: PageFiles, plan: LoadPlan): Promise<PanelLoad> {
  const { page, errors } = await openPanel(browser, harness, files, plan.viewport);
  try {
    const snapshot = SnapshotTimingSchema.parse(
      await page.evaluate((source) => (globalThis as unknown as BenchGlobal).panelBench.snapshot(source), plan.source),
    );
    const comparison = plan.comparison
      ? UpdateTimingSchema.parse(await page.evaluate(() => (globalThis as unknown as BenchGlobal).panelBench.comparison()))
      : undefined;
    const firstDelta = await delta(page, 0);
    for (let index = 1; index < plan.warmUpDeltas; index++) await delta(page, index);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const threadSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((metric) => metric.name === 'ThreadTime')?.value ?? Number.NaN;
    const threadBefore = await threadSeconds();
    const measured: UpdateTiming[] = [];
    for (let index = plan.warmUpDeltas; index < plan.warmUpDeltas + plan.measuredDeltas; index++) measured.push(await delta(page, index));
    const measuredThreadMs = 1000 * ((await threadSeconds()) - threadBefore);
    if (errors.measuring.length > 0) throw new Error(`the panel reported errors while measured: ${errors.measuring.join('; ')}`);
    if (snapshot.charts.length === 0) throw new Error('the panel drew no chart canvas: is the charts view the default?');
    return { snapshot, ...(comparison ? { comparison } : {}), firstDelta, measured, measuredThreadMs, loadingErrors: errors.loading };
  } finally {
    await page.context().close();
  }
}

/** Nearest rank: the smallest value with at least `fraction` of the values at or below it. */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

/** The host's side, in Node: cutting the whole run for the snapshot, and how many steps an overlay chart aligns after it. */
function hostSide(): { downsampleMs: number; overlaySteps: number } {
  const times: number[] = [];
  let overlaySteps = 0;
  for (let i = 0; i < 3; i++) {
    const view = longRunView();
    const start = performance.now();
    downsampleCurves(view);
    times.push(performance.now() - start);
    overlaySteps = new Set(Object.values(view.curves).flatMap((curves) => (curves.trainLoss ?? []).map((point) => point.x))).size;
  }
  return { downsampleMs: median(times), overlaySteps };
}

/** A console message's first sentence, up to anything it quotes: a CSP report goes on to quote the policy, with this page's nonce. */
function gist(text: string): string {
  const sentence = text.split('. ')[0] ?? text;
  return (sentence.split("'")[0] ?? sentence).trim();
}

const ms = (value: number) => (Math.abs(value) >= 100 ? whole(value) : fixed(value, 1));
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const medianOf = (timings: readonly UpdateTiming[], pick: (timing: UpdateTiming) => number) => median(timings.map(pick));
const rasterTotal = (timing: UpdateTiming) => sum(timing.rasterMs);

function snapshotRow(message: string, points: number, size: string, timings: readonly UpdateTiming[]): string[] {
  return [
    message,
    whole(points),
    size,
    ms(medianOf(timings, (t) => t.messageMs)),
    ms(medianOf(timings, (t) => t.layoutMs)),
    ms(medianOf(timings, rasterTotal)),
    timings.map((t) => whole(t.workMs)).join(', '),
    `**${ms(medianOf(timings, (t) => t.workMs))}**`,
  ];
}

function deltaRow(label: string, points: string, timings: readonly UpdateTiming[]): string[] {
  const work = timings.map((t) => t.workMs);
  return [
    label,
    points,
    String(timings.length),
    ms(medianOf(timings, (t) => t.messageMs)),
    ms(medianOf(timings, (t) => t.frameMs)),
    ms(medianOf(timings, (t) => t.layoutMs)),
    ms(medianOf(timings, rasterTotal)),
    `**${ms(median(work))}**`,
    ms(percentile(work, 0.95)),
    ms(Math.max(...work)),
    ms(medianOf(timings, (t) => t.wallMs)),
  ];
}

/** Median raster time of each chart over `timings`, by the charts' captions. */
function rasterByChart(charts: readonly string[], timings: readonly UpdateTiming[]): string[][] {
  return charts.map((chart, i) => [chart, ms(median(timings.map((t) => t.rasterMs[i] ?? Number.NaN)))]);
}

export async function panelRender(): Promise<BenchSection> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: \`bash scripts/e2e/install.sh\` installs it`);
  const files = pageFiles();
  const harness = await bundleHarness();
  const host = hostSide();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...BENCH_ARGS] });
  const hostLoads: PanelLoad[] = [];
  const tallLoads: PanelLoad[] = [];
  let raw: PanelLoad | undefined;
  let version = '';
  try {
    version = browser.version();
    const hostPlan = { viewport: VIEWPORT, source: 'host', comparison: true, warmUpDeltas: WARM_UP_DELTAS, measuredDeltas: MEASURED_DELTAS_PER_LOAD } as const;
    for (let i = 0; i < HOST_LOADS; i++) hostLoads.push(await measureLoad(browser, harness, files, hostPlan));
    for (let i = 0; i < TALL_LOADS; i++) tallLoads.push(await measureLoad(browser, harness, files, { ...hostPlan, viewport: TALL_VIEWPORT }));
    raw = await measureLoad(browser, harness, files, { viewport: VIEWPORT, source: 'raw', comparison: false, warmUpDeltas: 1, measuredDeltas: 0 });
  } finally {
    await browser.close();
  }

  const live = hostLoads.flatMap((load) => load.measured);
  const liveWork = live.map((t) => t.workMs);
  const tall = tallLoads.flatMap((load) => load.measured);
  const tallWork = tall.map((t) => t.workMs);
  const snapshotMs = median(hostLoads.map((load) => load.snapshot.workMs));
  const updateP95 = percentile(liveWork, 0.95);
  const threadShare = sum(hostLoads.map((load) => load.measuredThreadMs)) / sum(liveWork);
  const first = hostLoads[0]?.snapshot;
  const sent = first?.pointsPerSeries ?? 0;
  const { datasets, metrics, pointsPerSeries } = LONG_RUN;
  const loadingErrors = [...new Set([...hostLoads, raw].flatMap((load) => load.loadingErrors.map(gist)))];

  return {
    title: '5. Panel rendering',
    body: [
      `dist/webview.js in headless Chromium ${version} (\`--disable-gpu\`: software canvas), viewport ${VIEWPORT.width}×${VIEWPORT.height} at device scale 1, charts view, default smoothing (0.6): ` +
        `${first?.charts.length ?? 0} uPlot charts. The run: ${datasets.length} datasets × ${metrics.length} series × ${whole(pointsPerSeries)} points. ` +
        `Times are the page's main-thread work per message, from its dispatch until the charts are rasterised, without idle waits for a frame.`,
      '',
      `Host side, in Node and not part of the panel's times: \`downsampleCurves\` cuts the ${datasets.length * metrics.length} curves from ${whole(pointsPerSeries)} to at most ${whole(MAX_POINTS_PER_CURVE)} points in ${ms(host.downsampleMs)} ms. ` +
        `Min/max buckets keep different steps for each dataset, so an overlay chart of the three datasets aligns ${whole(host.overlaySteps)} distinct steps.`,
      '',
      `#### Opening the panel — a fresh page each`,
      '',
      ...table(
        ['message', 'points per series', 'size as JSON', 'message ms', 'layout ms', 'raster ms', 'total ms (each page)', 'median total ms'],
        [
          snapshotRow(
            "snapshot after the host's `downsampleCurves` (what the panel receives)",
            sent,
            mebibytes(first?.jsonBytes ?? 0),
            hostLoads.map((load) => load.snapshot),
          ),
          snapshotRow(
            '… then the `comparison` message (no run compared: no chart changes, none is redrawn)',
            sent,
            '—',
            hostLoads.flatMap((load) => (load.comparison ? [load.comparison] : [])),
          ),
          snapshotRow('raw snapshot, every point (not sent by the host)', raw.snapshot.pointsPerSeries, mebibytes(raw.snapshot.jsonBytes), [raw.snapshot]),
        ],
      ),
      '',
      `#### Live updates — one step record per delta`,
      '',
      ...table(
        ['delta', 'points per series', 'n', 'message ms', 'frame ms', 'layout ms', 'raster ms', 'total ms, median', 'p95', 'max', 'wall ms, incl. frame wait'],
        [
          deltaRow(
            `after the host snapshot, deltas ${WARM_UP_DELTAS + 1}–${WARM_UP_DELTAS + MEASURED_DELTAS_PER_LOAD} of each of ${HOST_LOADS} pages`,
            `${whole(sent)}, +1 per delta on train curves`,
            live,
          ),
          deltaRow(
            `the same with every chart in view (viewport ${TALL_VIEWPORT.width}×${TALL_VIEWPORT.height}), ${TALL_LOADS} pages`,
            `${whole(sent)}, +1 per delta on train curves`,
            tall,
          ),
          deltaRow(
            'the first delta after the host snapshot',
            whole(sent),
            hostLoads.map((load) => load.firstDelta),
          ),
          deltaRow('the first delta after the raw snapshot: the reducer cuts every curve', `${whole(pointsPerSeries)} → ${whole(MAX_POINTS_PER_CURVE)}`, [
            raw.firstDelta,
          ]),
        ],
      ),
      '',
      `Chromium's ThreadTime over the measured deltas came to ${percent(threadShare, 0)} of their total time. It counts the harness's and Chromium's own work between deltas too, so ` +
        (threadShare >= 0.8
          ? 'it cannot show whether a delta waited for a CPU busy with other processes: the load average above says how busy the machine was.'
          : 'the rest, at least, is time the machine gave to other processes: the times are pessimistic.'),
      '',
      `Raster time per chart, median over the measured deltas. A delta redraws only the charts it changed that are in or near the viewport: at ${VIEWPORT.width}×${VIEWPORT.height} the lower charts wait until they are scrolled into view. ` +
        'A step record leaves the validation overlay as it was; validation here is as dense as training, so no series draws point markers.',
      '',
      ...table(
        ['chart', `raster ms, viewport ${VIEWPORT.width}×${VIEWPORT.height}`, `raster ms, every chart in view`],
        rasterByChart(first?.charts ?? [], live).map((row, i) => [...row, ms(median(tall.map((t) => t.rasterMs[i] ?? Number.NaN)))]),
      ),
      '',
      `- Initial snapshot, as the panel receives it: **${ms(snapshotMs)} ms** (median of ${HOST_LOADS} pages) — ${verdict(snapshotMs <= GOAL_SNAPSHOT_MS, `≤ ${GOAL_SNAPSHOT_MS} ms`)}.`,
      `- Live update: p95 **${ms(updateP95)} ms** (median ${ms(median(liveWork))} ms) over ${live.length} deltas — ${verdict(updateP95 <= GOAL_UPDATE_MS, `≤ ${GOAL_UPDATE_MS} ms`)}.`,
      `- Live update with every chart in view: p95 **${ms(percentile(tallWork, 0.95))} ms** (median ${ms(median(tallWork))} ms) over ${tall.length} deltas — ${verdict(percentile(tallWork, 0.95) <= GOAL_UPDATE_MS, `≤ ${GOAL_UPDATE_MS} ms`)}.`,
      `- For reference, the raw snapshot with all ${whole(pointsPerSeries)} points per series: **${ms(raw.snapshot.workMs)} ms** (one page) — ${verdict(raw.snapshot.workMs <= GOAL_SNAPSHOT_MS, `≤ ${GOAL_SNAPSHOT_MS} ms; not a snapshot the host sends`)}.`,
      `- Live updates on ${whole(pointsPerSeries)}-point curves cannot happen: the panel's reducer (\`foldRecords\`) cuts any curve over ${whole(2 * MAX_POINTS_PER_CURVE)} points to ${whole(MAX_POINTS_PER_CURVE)} as it folds a delta; the last row is that cut.`,
      ...(loadingErrors.length > 0
        ? [`- While loading, before any message, the page logged: ${loadingErrors.map((text) => `"${text}"`).join('; ')}. Nothing was logged while measuring.`]
        : []),
    ],
  };
}
