/**
 * A run's progress as channel messages: the reporter callbacks that drive the CLI's progress bar
 * become `TrainerMessage`s for the hosts attached to the channel. No I/O here — `send` does it —
 * so the mapping is tested without a socket.
 */
import { TRAINER_PROTOCOL_VERSION } from '../../shared/protocol/trainerCommands';
import { MAX_EVENT_MESSAGE_LENGTH, type TrainerMessage } from '../../shared/protocol/trainerMessages';
import type { RunEvent, RunStatus } from '../../shared/runs/format';
import type { StepRecord, TrainingReporter } from '../trainingReporter';

export function channelReporter(send: (message: TrainerMessage) => void): TrainingReporter {
  let totalEpochs = 1;
  let stepsInEpoch = 1;
  return {
    onEpochStart: (_epoch, total, steps) => {
      totalEpochs = total;
      stepsInEpoch = steps;
    },
    onStep: (record, samplesPerSecond) => send(stepMessage(record, samplesPerSecond, totalEpochs, stepsInEpoch)),
    onEpochEnd: (record) => send({ type: 'epoch', epoch: record.epoch, totalEpochs, datasets: record.datasets }),
    onEvent: (event) => send(eventMessage(event)),
    onStatus: (status) => send({ type: 'status', status }),
  };
}

/** The first message on every connection. */
export function helloMessage(runId: string, pid: number, status: RunStatus): TrainerMessage {
  return { type: 'hello', protocol: TRAINER_PROTOCOL_VERSION, runId, pid, status };
}

function stepMessage(record: StepRecord, samplesPerSecond: number, totalEpochs: number, stepsInEpoch: number): TrainerMessage {
  return {
    type: 'step',
    epoch: record.epoch,
    totalEpochs,
    step: record.step,
    // With `all_exhausted` the step count is a forecast; an epoch may run past it.
    stepsInEpoch: Math.max(stepsInEpoch, record.step),
    samplesPerSecond,
    datasets: record.datasets,
  };
}

/** Kind, epoch, the request it answers and a human-readable message; the host reads events.jsonl for the rest. */
function eventMessage(event: RunEvent): TrainerMessage {
  const text = 'message' in event ? event.message : 'reason' in event ? event.reason : undefined;
  return {
    type: 'event',
    kind: event.kind,
    ...('epoch' in event ? { epoch: event.epoch } : {}),
    ...('requestId' in event && event.requestId !== undefined ? { requestId: event.requestId } : {}),
    ...(text !== undefined ? { message: text.slice(0, MAX_EVENT_MESSAGE_LENGTH) } : {}),
  };
}
