/**
 * The contract every stateful part of a run keeps: `state()` says what a checkpoint saves of it,
 * `restore()` puts it back in a resumed run. The trainer keeps its parts in one record and saves
 * and restores them all by walking it, so a part added to the record is saved and restored too:
 * exact resume cannot forget it, and the saved state's type follows from the record.
 */
export interface Resumable<S> {
  state(): S;
  restore(state: S): void;
}

// `any` only in the constraint: each part's own state type is read back by `StatesOf`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Parts = Record<string, Resumable<any>>;

/** Part name → the state that part saves. */
export type StatesOf<P extends Parts> = { [K in keyof P]: ReturnType<P[K]['state']> };

export function statesOf<P extends Parts>(parts: P): StatesOf<P> {
  return Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, part.state()])) as StatesOf<P>;
}

export function restoreAll<P extends Parts>(parts: P, states: StatesOf<P>): void {
  for (const [name, part] of Object.entries(parts)) part.restore(states[name]);
}
