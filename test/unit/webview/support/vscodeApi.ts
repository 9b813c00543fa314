/**
 * The host as the panel sees it: a fake `acquireVsCodeApi` that records what the panel posts and
 * saves, and a way to send it the host's messages.
 */
import { window } from './dom';
import type { HostToPanelMessage, PanelToHostMessage, PanelUiState } from '../../../../src/shared/panel/protocol';

export interface FakeVsCode {
  posted: PanelToHostMessage[];
  states: PanelUiState[];
  /** The messages of one type, oldest first. */
  postedOf<T extends PanelToHostMessage['type']>(type: T): Array<Extract<PanelToHostMessage, { type: T }>>;
  lastState(): PanelUiState | undefined;
}

/** Installs `acquireVsCodeApi`; `saved` is what `getState` returns (the state of an earlier panel). */
export function installVsCodeApi(saved?: unknown): FakeVsCode {
  const fake: FakeVsCode = {
    posted: [],
    states: [],
    postedOf: <T extends PanelToHostMessage['type']>(type: T) => fake.posted.filter((m): m is Extract<PanelToHostMessage, { type: T }> => m.type === type),
    lastState: () => fake.states[fake.states.length - 1],
  };
  let acquired = false;
  (globalThis as Record<string, unknown>).acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may be called only once');
    acquired = true;
    return {
      postMessage: (message: PanelToHostMessage) => fake.posted.push(structuredClone(message)),
      getState: () => saved,
      setState: (state: PanelUiState) => fake.states.push(structuredClone(state)),
    };
  };
  return fake;
}

/** A message from the host, as VS Code delivers it to the webview's window. */
export function sendToPanel(message: HostToPanelMessage): void {
  window.dispatchEvent(new window.MessageEvent('message', { data: structuredClone(message) }));
}

/** Resolves after the next animation frame's callbacks (the panel draws deltas once per frame). */
export const nextFrame = (): Promise<void> => new Promise((resolve) => window.requestAnimationFrame(() => resolve()));
