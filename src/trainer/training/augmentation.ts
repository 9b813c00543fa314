/**
 * The augmentation in force per dataset: what the experiment writes, else the AUTO_AUGMENT preset
 * once switched on. A dataset declaring `augment: auto` gets it when the run finds it memorised
 * (the declaration is the consent); an image dataset with no augmentation gets it when a user
 * accepts a suggestion to add it. A switch asked for by hand waits for the next epoch boundary, as
 * weight changes do; the automatic switch is made at an epoch end, so it too takes effect with the
 * next epoch. Every switch is an event.
 */
import { AUTO_AUGMENT, AugmentSchema, type AugmentSpec, type DatasetSpec } from '../../shared/experiment/schema';
import type { RunEvent } from '../../shared/runs/format';
import { memorisedGap, type DatasetEvidence } from '../balancing/samplingBalance';
import { verdictReason } from '../balancing/samplingReason';
import type { Resumable } from './resumable';

/** What memorisation is judged from, per dataset in the run's order. */
type MemorisationEvidence = Pick<DatasetEvidence, 'name' | 'trainLoss' | 'valLoss' | 'trainAccuracy' | 'valAccuracy'>;

const now = () => new Date().toISOString();

/** The preset with the schema's defaults filled in. */
export const AUTO_AUGMENT_SPEC: AugmentSpec = AugmentSchema.parse(AUTO_AUGMENT);

export interface AugmentationState {
  /** Datasets whose `augment: auto` is on. */
  on: string[];
  /** Switches asked for by hand, waiting for the next epoch boundary: each dataset with the request that asked (null: none named). */
  pending?: Array<[string, string | null]>;
}

export class Augmentation implements Resumable<AugmentationState> {
  private readonly on = new Set<string>();
  /** Dataset → the request that asked for it. */
  private pending: Map<string, string | undefined> | undefined;

  constructor(
    private readonly specs: readonly DatasetSpec[],
    private readonly emit: (event: RunEvent) => void,
  ) {}

  /** The augmentation dataset `d`'s training batches get now, if any. */
  inForce(d: number): AugmentSpec | undefined {
    const spec = this.specs[d];
    if (spec?.type !== 'images') return undefined;
    if (spec.augment !== undefined && spec.augment !== 'auto') return spec.augment;
    return this.on.has(spec.name) ? AUTO_AUGMENT_SPEC : undefined;
  }

  /** Dataset `d` declares `augment: auto` and it is still off: the run switches it on by itself when `d` is memorised. */
  autoOff(d: number): boolean {
    const spec = this.specs[d];
    return spec?.type === 'images' && spec.augment === 'auto' && this.isOff(spec.name);
  }

  /** Dataset `d` is an image dataset without augmentation in force or asked for: a suggestion may propose the preset. */
  canPropose(d: number): boolean {
    const spec = this.specs[d];
    return spec?.type === 'images' && (spec.augment === undefined || spec.augment === 'auto') && this.isOff(spec.name);
  }

  private isOff(name: string): boolean {
    return !this.on.has(name) && !this.pending?.has(name);
  }

  /** Why `name` cannot be switched on by a request, or undefined when it can. */
  refusal(name: string): string | undefined {
    const spec = this.specs.find((s) => s.name === name);
    if (spec === undefined) return `no dataset '${name}'`;
    if (spec.type !== 'images') return `'${name}' is not an image dataset: only images are augmented`;
    if (spec.augment !== undefined && spec.augment !== 'auto') return `'${name}' already has the augmentation its experiment writes`;
    return undefined;
  }

  /** The automatic switch of an `augment: auto`, at the end of `epoch`: in force from the next epoch (the one its event names). */
  switchOn(d: number, epoch: number, reason: string): void {
    const name = this.specs[d]?.name;
    if (name === undefined || !this.autoOff(d)) return;
    this.on.add(name);
    this.emit({ kind: 'augmentation-on', time: now(), epoch: epoch + 1, dataset: name, augment: { ...AUTO_AUGMENT }, reason });
  }

  /** At the end of `epoch`: every dataset declaring `augment: auto` that the epoch shows memorised gets it from the next epoch. */
  switchOnMemorised(evidence: readonly MemorisationEvidence[], epoch: number): void {
    evidence.forEach((d, i) => {
      const gap = memorisedGap(d);
      if (gap !== undefined && this.autoOff(i)) this.switchOn(i, epoch, verdictReason(d, { kind: 'memorised-augment', gap }));
    });
  }

  /** A switch asked for by hand (an accepted suggestion), applied at the next epoch boundary. */
  request(names: readonly string[], requestId?: string): string | undefined {
    const refused = names.map((name) => this.refusal(name)).find((why) => why !== undefined);
    if (refused !== undefined) return refused;
    const pending = (this.pending ??= new Map());
    names.forEach((name) => pending.set(name, pending.get(name) ?? requestId));
    return undefined;
  }

  /** The epoch boundary: switches asked for take effect, each recorded. */
  startEpoch(epoch: number): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    for (const [name, requestId] of pending) {
      if (this.on.has(name)) continue;
      this.on.add(name);
      this.emit({
        kind: 'augmentation-on',
        time: now(),
        epoch,
        dataset: name,
        augment: { ...AUTO_AUGMENT },
        reason: 'asked for',
        ...(requestId ? { requestId } : {}),
      });
    }
  }

  state(): AugmentationState {
    const pending = this.pending;
    return { on: [...this.on], ...(pending ? { pending: [...pending].map(([name, requestId]): [string, string | null] => [name, requestId ?? null]) } : {}) };
  }

  restore(state: AugmentationState): void {
    this.on.clear();
    state.on.forEach((name) => this.on.add(name));
    this.pending = state.pending ? new Map(state.pending.map(([name, requestId]) => [name, requestId ?? undefined])) : undefined;
  }
}
