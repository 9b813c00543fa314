/**
 * Collects controller commands from the run folder's control.jsonl (anyone can append to it,
 * e.g. `echo '{"type":"stop"}' >> control.jsonl`) and, when asked, from streams: stdin and each
 * connection to the run's channel. Lines are validated here; invalid ones are reported, never
 * acted on.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseTrainerCommand, type TrainerCommand } from '../../shared/protocol/trainerCommands';

export interface InboxDrain {
  commands: TrainerCommand[];
  invalid: string[];
}

export class CommandInbox {
  private commands: TrainerCommand[] = [];
  private invalid: string[] = [];
  private controlFd: number | undefined;
  private controlOffset = 0;
  private partialLine = '';
  private waiters: Array<() => void> = [];

  constructor(controlFile: string) {
    this.controlFd = openSync(controlFile, 'a+');
  }

  /** Also accept commands as JSON lines on a stream (the CLI's stdin, a channel connection). */
  listen(stream: Readable, origin = 'stdin'): void {
    createInterface({ input: stream })
      .on('line', (line) => this.accept(line, origin))
      // readline re-emits its input's errors: a client that vanished (ECONNRESET) only ends its
      // commands, it must not become an uncaught exception that ends the run.
      .on('error', () => undefined);
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

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  private readControlFile(): void {
    if (this.controlFd === undefined) return;
    const size = fstatSync(this.controlFd).size;
    if (size <= this.controlOffset) return;
    const buffer = Buffer.alloc(size - this.controlOffset);
    const read = readSync(this.controlFd, buffer, 0, buffer.length, this.controlOffset);
    this.controlOffset += read;
    const text = this.partialLine + buffer.subarray(0, read).toString('utf8');
    const lines = text.split('\n');
    // A writer may be mid-line: keep the unterminated tail for the next poll.
    this.partialLine = lines.pop() ?? '';
    lines.forEach((line) => this.accept(line, 'control.jsonl'));
  }
}
