/**
 * Collects controller commands from the run folder's control.jsonl (anyone can append to it,
 * e.g. `echo '{"type":"stop"}' >> control.jsonl`) and, when asked, from streams: stdin and each
 * connection to the run's channel. Lines are validated here; invalid ones are reported, never
 * acted on. No line is held beyond the size a command may have: a longer one is skipped and
 * reported, so a flood without newlines cannot exhaust memory.
 *
 * A resumed run continues control.jsonl from the byte its checkpoint recorded (`consumedControlBytes`),
 * so commands its epochs already obeyed are not obeyed twice. Commands appended after that
 * checkpoint were obeyed only by epochs that are trained again: weight changes and suggestion
 * decisions are read again as if they had just arrived, while `pause`, `resume` and `stop` written
 * before the resume are skipped — they were meant for the trainer that died, and the resume itself
 * is the newer wish.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { MAX_COMMAND_BYTES, parseTrainerCommand, type TrainerCommand } from '../../shared/protocol/trainerCommands';
import { BoundedLines } from './boundedLines';

export interface InboxDrain {
  commands: TrainerCommand[];
  invalid: string[];
}

/** How much of control.jsonl is read at a time. */
const CONTROL_READ_BYTES = 1024 * 1024;
const LIFECYCLE: ReadonlySet<TrainerCommand['type']> = new Set(['pause', 'resume', 'stop']);

export class CommandInbox {
  private commands: TrainerCommand[] = [];
  private invalid: string[] = [];
  private controlFd: number | undefined;
  /** Where control.jsonl was first read from: 0 for a new run, the checkpoint's offset on resume. */
  private readonly controlStart: number;
  private controlOffset: number;
  /** Lifecycle commands in control.jsonl that end before this byte predate the resume. */
  private readonly staleBefore: number;
  private readonly controlLines: BoundedLines;
  private waiters: Array<() => void> = [];

  /** `resumeAt`: the control.jsonl byte offset a resumed run's checkpoint consumed up to. */
  constructor(controlFile: string, resumeAt?: number) {
    this.controlFd = openSync(controlFile, 'a+');
    const size = fstatSync(this.controlFd).size;
    // A file shorter than the offset was cut since: nothing in it is known to be new.
    this.controlStart = resumeAt === undefined ? 0 : Math.min(resumeAt, size);
    this.controlOffset = this.controlStart;
    this.staleBefore = resumeAt === undefined ? 0 : size;
    this.controlLines = new BoundedLines(MAX_COMMAND_BYTES, {
      line: (line) => {
        if (this.controlStart + this.controlLines.consumedBytes > this.staleBefore) this.accept(line, 'control.jsonl');
        else this.acceptUnlessLifecycle(line);
      },
      oversized: (bytes) => this.rejectOversized(bytes, 'control.jsonl'),
    });
  }

  /**
   * The control.jsonl byte offset up to which every command has been handed out: a checkpoint
   * records it so that a resumed run does not obey them again.
   */
  get consumedControlBytes(): number {
    return this.controlStart + this.controlLines.consumedBytes;
  }

  /** Also accept commands as JSON lines on a stream (the CLI's stdin, a channel connection). */
  listen(stream: Readable, origin = 'stdin'): void {
    const lines = new BoundedLines(MAX_COMMAND_BYTES, {
      line: (line) => this.accept(line, origin),
      oversized: (bytes) => this.rejectOversized(bytes, origin),
    });
    stream.on('data', (chunk: Buffer | string) => lines.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    stream.on('end', () => lines.end());
    // A client that vanished (ECONNRESET) only ends its commands, it must not become an uncaught
    // exception that ends the run.
    stream.on('error', () => undefined);
  }

  /** A command from inside the process (a signal asking the run to stop). */
  submit(command: TrainerCommand): void {
    this.commands.push(command);
    this.wake();
  }

  /** Commands received since the last drain, in arrival order. */
  drain(): InboxDrain {
    this.readControlFile();
    const drained = { commands: this.commands, invalid: this.invalid };
    this.commands = [];
    this.invalid = [];
    return drained;
  }

  /** Resolves when a command may have arrived (a stdin line, or the next control-file poll). */
  waitForInput(pollMs = 200): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, pollMs);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      waiters.push(done);
    });
  }

  close(): void {
    if (this.controlFd !== undefined) closeSync(this.controlFd);
    this.controlFd = undefined;
  }

  private accept(line: string, origin: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const parsed = parseTrainerCommand(trimmed);
    if (parsed.ok) this.commands.push(parsed.command);
    else this.invalid.push(`${origin}: ${parsed.error}: ${trimmed.slice(0, 200)}`);
    this.wake();
  }

  private acceptUnlessLifecycle(line: string): void {
    const parsed = parseTrainerCommand(line.trim());
    if (parsed.ok && LIFECYCLE.has(parsed.command.type)) return;
    this.accept(line, 'control.jsonl');
  }

  private rejectOversized(bytes: number, origin: string): void {
    this.invalid.push(`${origin}: a line of ${bytes} bytes is longer than a command may be (${MAX_COMMAND_BYTES} bytes); it was skipped`);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  private readControlFile(): void {
    if (this.controlFd === undefined) return;
    const size = fstatSync(this.controlFd).size;
    if (size <= this.controlOffset) return;
    // In pieces: an append of hundreds of megabytes must not become one buffer, nor one string.
    const buffer = Buffer.alloc(Math.min(CONTROL_READ_BYTES, size - this.controlOffset));
    while (this.controlOffset < size) {
      const read = readSync(this.controlFd, buffer, 0, Math.min(buffer.length, size - this.controlOffset), this.controlOffset);
      if (read === 0) return;
      this.controlOffset += read;
      // A writer may be mid-line: the unterminated tail waits for the next poll.
      this.controlLines.push(buffer.subarray(0, read));
    }
  }
}
