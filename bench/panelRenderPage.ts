/**
 * The browser side of the panel rendering benchmark. Bundled by `panelRender.ts` and installed with
 * Playwright's `addInitScript`, it runs before the panel's own script and stands in for VS Code:
 * `acquireVsCodeApi`, and the host's messages, which it builds in the page (a 100,000-point run is
 * too big to pass through the browser driver) and posts with `window.postMessage`, so the panel
 * decodes them as it does a real message. It times each message from its dispatch to the moment the
 * panel's work is on the canvases.
 */
import { downsampleCurves, type RunView } from '../src/shared/panel/runView';
import { PANEL_PROTOCOL_VERSION, type HostToPanelMessage } from '../src/shared/panel/protocol';
import { liveDelta, longRunView } from './longRun';

/** Where one message's time went, in milliseconds. */
export interface UpdateTiming {
  /** Dispatch to the end of the panel's message handler: decoding, the reducer, and for a snapshot or comparison the whole render and the charts' drawing. */
  messageMs: number;
  /** For a delta, the animation frame the panel renders in: the render and the charts' drawing. 0 for the others. */
  frameMs: number;
  /** Style and layout, forced once the panel is done. */
  layoutMs: number;
  /** Rasterising each chart canvas, in page order, forced after the layout (otherwise paid when the frame is painted). */
  rasterMs: number[];
  /** messageMs + frameMs + layoutMs + the rasterMs: the main thread's work for the message, without the idle wait for the frame. */
  workMs: number;
  /** Dispatch to the end of the rasterising, including that wait (up to one frame at 60 Hz for a delta). */
  wallMs: number;
}

export interface SnapshotTiming extends UpdateTiming {
  /** The longest curve in the snapshot. */
  pointsPerSeries: number;
  /** The snapshot as JSON, as it crosses from the extension host. */
  jsonBytes: number;
  /** The caption of each chart that has a canvas, in page order (uPlot draws each chart on one canvas). */
  charts: string[];
}

export type SnapshotSource = 'host' | 'raw';

export interface PanelBenchApi {
  /** Resolves once the panel has posted `ready`. */
  ready(): Promise<void>;
  /** `host`: the run after the host's `downsampleCurves`, what the panel receives; `raw`: all 100,000 points per curve. */
  snapshot(source: SnapshotSource): Promise<SnapshotTiming>;
  /** The `comparison` message the host sends after every snapshot, here with nothing to compare. */
  comparison(): Promise<UpdateTiming>;
  /** The `index`-th live delta (one step record). */
  delta(index: number): Promise<UpdateTiming>;
}

/**
 * The few browser globals the harness touches. Declared here rather than taken from the DOM
 * library, which would otherwise enter the type-check of the whole Node program.
 */
interface BenchCanvas {
  getContext(id: '2d'): { getImageData(x: number, y: number, width: number, height: number): unknown } | null;
  closest(selector: 'figure'): { querySelector(selector: 'figcaption'): { textContent: string | null } | null } | null;
}
interface BenchWindow {
  addEventListener(type: 'message' | 'DOMContentLoaded', listener: () => void): void;
  postMessage(message: HostToPanelMessage, targetOrigin: string): void;
  requestAnimationFrame(callback: () => void): number;
  document: { body: { getBoundingClientRect(): unknown }; querySelectorAll(selector: 'canvas'): Iterable<BenchCanvas> };
  acquireVsCodeApi?: () => { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };
  panelBench?: PanelBenchApi;
  /** V8's collector, exposed by `--js-flags=--expose-gc`. */
  gc?: () => void;
}

const page = globalThis as unknown as BenchWindow;

/** The message being timed: stamped by the first listener, finished by the last. */
interface Measurement {
  kind: HostToPanelMessage['type'];
  start: number;
  handled: number;
  frameStart: number;
  done: (timing: UpdateTiming) => void;
}

let measuring: Measurement | undefined;
let seq = 0;
let panelReady: () => void = () => undefined;
const readyPosted = new Promise<void>((resolve) => (panelReady = resolve));

page.acquireVsCodeApi = () => ({
  postMessage: (message: unknown) => {
    if (typeof message === 'object' && message !== null && 'type' in message && message.type === 'ready') panelReady();
  },
  getState: () => undefined,
  setState: () => undefined,
});

/** Registered before the panel's script runs, so this listener is called first. */
page.addEventListener('message', () => {
  const current = measuring;
  if (!current) return;
  current.start = performance.now();
  // Called before the panel asks for its frame, so it opens the frame the panel renders in.
  page.requestAnimationFrame(() => (current.frameStart = performance.now()));
});

/** Registered after the panel's script has run, so this listener is called after the panel's. */
page.addEventListener('DOMContentLoaded', () =>
  page.addEventListener('message', () => {
    const current = measuring;
    if (!current) return;
    current.handled = performance.now();
    if (current.kind !== 'delta') return finish(current, 0);
    // The panel draws deltas in its next animation frame; this callback runs right after its own.
    page.requestAnimationFrame(() => finish(current, performance.now() - current.frameStart));
  }),
);

function finish(current: Measurement, frameMs: number): void {
  const layoutStart = performance.now();
  page.document.body.getBoundingClientRect();
  const layoutEnd = performance.now();
  const rasterMs = [...page.document.querySelectorAll('canvas')].map((canvas) => {
    const start = performance.now();
    canvas.getContext('2d')?.getImageData(0, 0, 1, 1);
    return performance.now() - start;
  });
  const end = performance.now();
  const messageMs = current.handled - current.start;
  measuring = undefined;
  current.done({
    messageMs,
    frameMs,
    layoutMs: layoutEnd - layoutStart,
    rasterMs,
    workMs: messageMs + frameMs + (end - layoutStart),
    wallMs: end - current.start,
  });
}

function timed(message: HostToPanelMessage): Promise<UpdateTiming> {
  if (measuring) return Promise.reject(new Error(`a ${measuring.kind} message is still being measured`));
  return new Promise((done) => {
    measuring = { kind: message.type, start: 0, handled: 0, frameStart: 0, done };
    page.postMessage(message, '*');
  });
}

function longestCurve(view: RunView): number {
  return Math.max(...Object.values(view.curves).flatMap((curves) => Object.values(curves).map((points) => points.length)));
}

page.panelBench = {
  ready: () => readyPosted,
  async snapshot(source) {
    const run = source === 'host' ? downsampleCurves(longRunView()) : longRunView();
    const message: HostToPanelMessage = { type: 'snapshot', protocol: PANEL_PROTOCOL_VERSION, seq: ++seq, run };
    const jsonBytes = JSON.stringify(message).length;
    // Building the run here leaves the page hundreds of MiB of garbage that a panel in VS Code never
    // has: collected now, it cannot land in the panel's time.
    page.gc?.();
    const timing = await timed(message);
    const charts = [...page.document.querySelectorAll('canvas')].map((canvas) => canvas.closest('figure')?.querySelector('figcaption')?.textContent ?? '?');
    return { ...timing, pointsPerSeries: longestCurve(run), jsonBytes, charts };
  },
  comparison: () => timed({ type: 'comparison', seq: ++seq, candidates: [] }),
  delta: (index) => timed(liveDelta(index, ++seq)),
};
