/**
 * The CLI's view of a run: a progress bar (epoch, step, throughput, per-dataset loss) on a
 * terminal, one line per epoch otherwise (CI logs, pipes), events as they happen, the balance
 * warnings the panel shows (each once, when it first appears), suggestions (of a balancer or of the
 * balance diagnostics: sampling weights, loss weights, augmentation) with what they should do and
 * the line that accepts one, and the moves of the `sampling` balancer and the augmentation it
 * switches on; at the end, the suggestions still open, the balancer's moves and the augmentation
 * in force, and the warnings that remain.
 */
import cliProgress from 'cli-progress';
import { join } from 'node:path';
import { balanceWarnings } from '../../shared/panel/balanceWarnings';
import { suggestionKinds } from '../../shared/panel/timeline';
import { backendWords } from '../../shared/runs/backendWords';
import { RUN_FILES, type RunEvent } from '../../shared/runs/format';
import type { EpochRecord, StepRecord, TrainingReporter } from '../trainingReporter';
import { decimal, integer, percent, wrapParts } from './format';

export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, quiet = false): TrainingReporter {
  const interactive = stream.isTTY === true && !quiet;
  const log = (line: string) => {
    if (!quiet) stream.write(`${line}\n`);
  };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'epoch {epoch} |{bar}| step {value}/{total} | {rate} samples/s | {losses}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let epochLabel = '';
  let lastDataLine = 0;
  let runDir = '';
  let sizes: Record<string, number> = {};
  const warned = new Set<string>();
  let lastWarnings: string[] = [];
  const openSuggestions = new Map<string, string>();
  /** Each dataset's share of the batches of the newest epoch, then as the sampling balancer moved it. */
  let shares: Record<string, number> = {};
  const samplingMoves: Array<Extract<RunEvent, { kind: 'sampling-balanced' }>> = [];
  const augmented: Array<Extract<RunEvent, { kind: 'augmentation-on' }>> = [];
  const printLine = (line: string) => {
    if (interactive) stream.write('\n');
    log(line);
  };
  return {
    onRunCreated: (dir) => {
      runDir = dir;
      log(`run folder: ${dir}`);
    },
    onDataProgress: (dataset, done, total) => {
      if (!interactive && done !== total) return;
      const nowMs = Date.now();
      if (done === total || nowMs - lastDataLine > 250) {
        lastDataLine = nowMs;
        if (interactive) stream.write(`\rloading ${dataset}: ${done}/${total}${done === total ? '\n' : ''}`);
        else log(`loaded ${dataset}: ${total} files`);
      }
    },
    onStart: (record) => {
      sizes = Object.fromEntries(record.datasets.map((d) => [d.name, d.train.size]));
      const backend = record.backend;
      if (backend) {
        const threads = backend.threads?.used ?? 1;
        log(`backend: ${backendWords(backend)}${threads > 1 ? `, ${threads} threads` : ''}`);
        backend.skipped.forEach(({ name, reason }) => log(`  skipped ${name}: ${reason}`));
        if (backend.threads?.reason !== undefined) log(`  ${threads === 1 ? 'one thread' : `${threads} threads`}: ${backend.threads.reason}`);
      }
      for (const d of record.datasets) {
        const skipped = d.skipped.count > 0 ? `, ${d.skipped.count} skipped` : '';
        log(
          `dataset ${d.name}: ${integer(d.train.size)} train / ${integer(d.validation.size)} validation → head ${d.head}${d.fromCache ? ' (cached)' : ''}${skipped}`,
        );
      }
    },
    onEpochStart: (epoch, total, steps) => {
      epochLabel = `${epoch} of ${total}`;
      if (interactive) bar.start(steps, 0, { epoch: epochLabel, rate: '—', losses: '' });
    },
    onStep: (record: StepRecord, samplesPerSecond) => {
      if (!interactive) return;
      const losses = Object.entries(record.datasets)
        .map(([name, m]) => `${name} ${decimal(m.loss, 2)}`)
        .join(' ');
      if (record.step > bar.getTotal()) bar.setTotal(record.step);
      bar.update(record.step, { epoch: epochLabel, rate: integer(samplesPerSecond), losses });
    },
    onEpochEnd: (record: EpochRecord) => {
      if (interactive) bar.stop();
      const parts = Object.entries(record.datasets).map(
        ([name, m]) => `${name} ${decimal(m.valLoss, 3)}${m.valAccuracy !== undefined ? `/${percent(m.valAccuracy)}` : ''}`,
      );
      log(wrapParts(`epoch ${epochLabel} done: ${record.steps} steps, ${integer(record.samplesPerSecond)} samples/s, val loss/acc: `, parts));
      shares = Object.fromEntries(Object.entries(record.datasets).map(([name, m]) => [name, m.configuredShare]));
      const warnings = balanceWarnings(record.datasets, sizes);
      lastWarnings = warnings.map((warning) => warning.message);
      for (const warning of warnings) {
        const key = `${warning.kind}/${warning.dataset}`;
        if (!warned.has(key)) log(`balance: ${warning.message}`);
        warned.add(key);
      }
    },
    onEvent: (event: RunEvent) => {
      if (event.kind === 'weights-suggested') {
        openSuggestions.set(event.suggestionId, `(${event.balancer}: ${suggestionKinds(event)}): ${event.reason}`);
        printLine(suggestionLines(event, join(runDir, RUN_FILES.control)));
        return;
      }
      if (event.kind === 'sampling-balanced') {
        samplingMoves.push(event);
        const moved = Object.entries(event.shares).map(
          ([name, to]) => `${name} ${shares[name] === undefined ? '' : `${percent(shares[name])} → `}${percent(to)}`,
        );
        shares = { ...event.shares };
        printLine(`sampling balancer after epoch ${event.epoch}: ${event.reason}\n${wrapParts('  shares of each batch from now on: ', moved)}`);
        return;
      }
      if (event.kind === 'augmentation-on') {
        augmented.push(event);
        printLine(`augmentation on for ${event.dataset} from epoch ${event.epoch} (${presetWords(event.augment)}): ${event.reason}`);
        return;
      }
      if (event.kind === 'suggestion-decided') openSuggestions.delete(event.suggestionId);
      if (event.kind === 'completed' || event.kind === 'stopped') {
        for (const [id, what] of openSuggestions) log(`open suggestion ${id} ${what}`);
        const last = samplingMoves[samplingMoves.length - 1];
        if (last !== undefined) {
          const multipliers = Object.entries(last.multipliers).map(([name, m]) => `${name} ×${Number(m.toPrecision(3))}`);
          const final = Object.entries(last.shares).map(([name, share]) => `${name} ${percent(share)}`);
          const moves = `${samplingMoves.length} move${samplingMoves.length === 1 ? '' : 's'}, the last after epoch ${last.epoch}`;
          log(wrapParts(`sampling balancer at the end: ${moves}; shares: `, final));
          log(wrapParts('  sampling weights multiplied by: ', multipliers));
        }
        for (const on of augmented) log(`augmentation on at the end: ${on.dataset} (from epoch ${on.epoch})`);
        for (const message of lastWarnings) log(`balance at the end: ${message}`);
      }
      const line = describeEvent(event);
      if (line !== undefined) printLine(line);
    },
    onWarning: (message) => log(`warning: ${message}`),
  };
}

/** "rotation 10, width_shift 0.1": the preset switched on. */
function presetWords(augment: Readonly<Record<string, number>>): string {
  return Object.entries(augment)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}

/**
 * A suggestion as it comes: who and when, its reason, what it should do, what it changes and the
 * command that accepts it as it is (the kinds it proposes and its augmentation, under its id).
 */
export function suggestionLines(event: Extract<RunEvent, { kind: 'weights-suggested' }>, controlFile: string): string {
  const augment = event.augment ?? [];
  const command = JSON.stringify({
    type: 'set-weights',
    requestId: event.suggestionId,
    ...(event.sampling ? { sampling: event.sampling } : {}),
    ...(event.loss ? { loss: event.loss } : {}),
    ...(augment.length > 0 ? { augment } : {}),
  });
  const changes = [
    ...(event.sampling ? [`sampling weights ${JSON.stringify(event.sampling)}`] : []),
    ...(event.loss ? [`loss weights ${JSON.stringify(event.loss)}`] : []),
    ...(augment.length > 0 ? [`augmentation on for ${augment.join(', ')} (auto preset)`] : []),
  ];
  return [
    `suggestion ${event.suggestionId} (${event.balancer}, after epoch ${event.epoch}): ${event.reason}`,
    ...(event.expected ? [`  expected: ${event.expected}`] : []),
    `  ${[...changes, `to accept: echo '${command}' >> ${controlFile}`].join('; ')}`,
  ].join('\n');
}

function describeEvent(event: RunEvent): string | undefined {
  switch (event.kind) {
    case 'weights-requested':
      return `weight change requested at epoch ${event.epoch} step ${event.step}: applies at the next epoch`;
    case 'weights-applied':
      return `weights applied from epoch ${event.epoch}: sampling ${JSON.stringify(event.sampling)}, loss ${JSON.stringify(event.loss)}`;
    case 'weights-rejected':
      return `command rejected: ${event.reason}`;
    case 'learning-rate': {
      const why = event.cause === 'schedule' ? 'by its schedule' : event.cause === 'plateau' ? `on a plateau: ${event.reason ?? ''}` : 'as requested';
      return `learning rate ${Number(event.previous.toPrecision(4))} → ${Number(event.learningRate.toPrecision(4))} from epoch ${event.epoch} (${why})`;
    }
    case 'paused':
      return `paused at epoch ${event.epoch} step ${event.step}`;
    case 'resumed':
      return 'resumed';
    case 'stopped':
      return `stopped after epoch ${event.epoch}${event.reason ? `: ${event.reason}` : ''}`;
    case 'completed':
      return event.reason !== undefined ? `completed after epoch ${event.epoch ?? '?'}: ${event.reason}` : undefined;
    case 'suggestion-decided':
      return `suggestion ${event.suggestionId} ${event.decision}`;
    case 'diverged':
      return `diverged: ${event.message}`;
    default:
      return undefined;
  }
}
