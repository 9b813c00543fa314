/**
 * SIGTERM and SIGINT (Ctrl-C) ask a run to stop as a `stop` command does — finish the step,
 * evaluate, checkpoint, save the model — so a terminated run keeps its work. A second signal
 * means "now": the process exits at once (the run folder then records the run as interrupted).
 */
import { constants } from 'node:os';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type StopSignal = (typeof SIGNALS)[number];

/** The part of `process` this needs; tests pass a stand-in. */
export interface SignalTarget {
  on(event: StopSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: StopSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

export interface SignalStop {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  /** Restores the default behaviour (the run is over). */
  dispose(): void;
}

export function stopOnSignals(onFirst: (signal: NodeJS.Signals) => void, target: SignalTarget = process): SignalStop {
  const controller = new AbortController();
  const listener = (signal: NodeJS.Signals) => {
    // The shell convention for "killed by signal N".
    if (controller.signal.aborted) target.exit(128 + (constants.signals[signal] ?? 15));
    else {
      controller.abort(signal);
      onFirst(signal);
    }
  };
  SIGNALS.forEach((name) => target.on(name, listener));
  return { signal: controller.signal, dispose: () => SIGNALS.forEach((name) => target.off(name, listener)) };
}
