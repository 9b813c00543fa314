/**
 * A browser for the webview's modules under Node's test runner: a jsdom window whose globals are
 * installed before any webview module (or uPlot, which reads `window` when it is loaded) is
 * imported, plus the few things jsdom does not have and the panel needs: a 2D canvas context that
 * records what is drawn, Path2D, matchMedia, and ResizeObserver and IntersectionObserver that a test
 * triggers by hand. Import this module first in every webview test file.
 */
import { JSDOM } from 'jsdom';
import { createRequire } from 'node:module';

// charts.ts imports uPlot's stylesheet for the bundler (esbuild); under Node it loads as nothing.
createRequire(__filename).extensions['.css'] = (module) => {
  module.exports = {};
};

/** The webview's page (media/ and the host's HTML give it a `#app`); `pretendToBeVisual` gives it animation frames. */
const dom = new JSDOM('<!doctype html><html><head></head><body><div id="app"></div></body></html>', { pretendToBeVisual: true });
export const window = dom.window;

/** One call on a recording canvas context: the method's name and its arguments. */
export interface CanvasCall {
  name: string;
  args: unknown[];
}

/** A 2D context that draws nothing and records every call and style set; `measureText` says 6 px per character. */
export interface RecordingContext {
  canvas: HTMLCanvasElement;
  calls: CanvasCall[];
  /** The `fillText` calls' texts, in order. */
  texts(): string[];
  [property: string]: unknown;
}

const contexts = new WeakMap<object, RecordingContext>();
/** Every context handed out, oldest first: the PNG export's canvas is never attached anywhere a test could find it. */
export const createdContexts: RecordingContext[] = [];

function recordingContext(canvas: HTMLCanvasElement): RecordingContext {
  const calls: CanvasCall[] = [];
  const state: Record<string | symbol, unknown> = {
    canvas,
    calls,
    texts: () => calls.filter((c) => c.name === 'fillText').map((c) => String(c.args[0])),
    measureText: (text: string) => ({ width: String(text).length * 6, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 }),
    getLineDash: () => [],
    createLinearGradient: () => ({ addColorStop: () => undefined }),
    getImageData: () => ({ data: new Uint8ClampedArray(4) }),
  };
  return new Proxy(state, {
    get(target, property) {
      if (property in target) return target[property];
      if (typeof property === 'symbol') return undefined;
      // Every other method draws nothing and is recorded.
      return (...args: unknown[]) => {
        calls.push({ name: property, args });
      };
    },
    set(target, property, value) {
      target[property] = value;
      // Setting a style is recorded too, as "=fillStyle".
      if (typeof property === 'string') calls.push({ name: `=${property}`, args: [value] });
      return true;
    },
  }) as unknown as RecordingContext;
}

export function contextOf(canvas: HTMLCanvasElement): RecordingContext {
  let context = contexts.get(canvas);
  if (!context) {
    context = recordingContext(canvas);
    contexts.set(canvas, context);
    createdContexts.push(context);
  }
  return context;
}

const canvasPrototype = window.HTMLCanvasElement.prototype as unknown as Record<string, unknown>;
canvasPrototype.getContext = function (this: HTMLCanvasElement, kind: string) {
  return kind === '2d' ? contextOf(this) : null;
};
/** The canvas's size, as a data URL: a test can tell which canvas was exported. */
canvasPrototype.toDataURL = function (this: HTMLCanvasElement, type = 'image/png') {
  return `data:${type};base64,${Buffer.from(`${this.width}x${this.height}`).toString('base64')}`;
};

class Path2DStub {
  constructor(_from?: unknown) {}
  moveTo(): void {}
  lineTo(): void {}
  rect(): void {}
  arc(): void {}
  closePath(): void {}
  bezierCurveTo(): void {}
  quadraticCurveTo(): void {}
  addPath(): void {}
}

/** Observers a test fires by hand: `trigger()` calls every live one's callback, as a layout change would. */
export class ResizeObserverStub {
  static readonly live = new Set<ResizeObserverStub>();
  constructor(private readonly callback: (entries: unknown[], observer: unknown) => void) {
    ResizeObserverStub.live.add(this);
  }
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {
    ResizeObserverStub.live.delete(this);
  }
  static trigger(): void {
    for (const observer of ResizeObserverStub.live) observer.callback([], observer);
  }
}

export class IntersectionObserverStub {
  static readonly all: IntersectionObserverStub[] = [];
  readonly targets = new Set<Element>();
  constructor(
    private readonly callback: (entries: Array<Pick<IntersectionObserverEntry, 'target' | 'isIntersecting'>>, observer: unknown) => void,
    readonly options?: IntersectionObserverInit,
  ) {
    IntersectionObserverStub.all.push(this);
  }
  observe(target: Element): void {
    this.targets.add(target);
  }
  unobserve(target: Element): void {
    this.targets.delete(target);
  }
  disconnect(): void {
    this.targets.clear();
  }
  takeRecords(): [] {
    return [];
  }
  /** Tells the observer of `target` whether it is in view. */
  static fire(target: Element, isIntersecting: boolean): void {
    for (const observer of IntersectionObserverStub.all) if (observer.targets.has(target)) observer.callback([{ target, isIntersecting }], observer);
  }
}

const extras: Record<string, unknown> = {
  Path2D: Path2DStub,
  ResizeObserver: ResizeObserverStub,
  IntersectionObserver: IntersectionObserverStub,
  matchMedia: (media: string) => ({ media, matches: false, addEventListener: () => undefined, removeEventListener: () => undefined }),
};
for (const [name, value] of Object.entries(extras)) (window as unknown as Record<string, unknown>)[name] = value;

// The window's own properties become globals (as in a page); Node's own globals stay, except the
// events, which jsdom only dispatches when they are its own.
const OVERRIDE = new Set(['Event', 'CustomEvent', 'MessageEvent']);
const globals = globalThis as unknown as Record<string, unknown>;
const source = window as unknown as Record<string, unknown>;
for (const name of Object.getOwnPropertyNames(window)) {
  if (name in globals && !OVERRIDE.has(name)) continue;
  const descriptor = Object.getOwnPropertyDescriptor(window, name);
  if (descriptor?.get) {
    // Read when used: some (localStorage) throw on a page like this one.
    Object.defineProperty(globals, name, { configurable: true, get: () => source[name] });
    continue;
  }
  const value = source[name];
  globals[name] = typeof value === 'function' && !/^[A-Z]/.test(name) ? (value as (...args: unknown[]) => unknown).bind(window) : value;
}
for (const [name, value] of Object.entries({ window, self: window, document: window.document })) {
  Object.defineProperty(globals, name, { configurable: true, writable: true, value });
}

/** Lets pending microtasks and mutation observers run (uPlot draws in a microtask; theme changes are observed). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sets the theme's CSS variables on the body, as VS Code does. */
export function setThemeVariables(variables: Record<string, string>): void {
  for (const [name, value] of Object.entries(variables)) window.document.body.style.setProperty(name, value);
}

/** A screen of `ratio` device pixels per CSS pixel (1 unless set). */
export function setDevicePixelRatio(ratio: number): void {
  (window as unknown as { devicePixelRatio: number }).devicePixelRatio = ratio;
}
