/**
 * Splits bytes into lines without ever holding more than `maxLineBytes` of one line. Commands
 * arrive from other processes (control.jsonl, stdin, the channel), and a line of hundreds of
 * megabytes without a newline would otherwise grow one string until V8 throws `Invalid string
 * length` and the run dies. A line over the cap is skipped whole: its bytes are dropped as they
 * arrive and it is reported once, when its newline comes.
 */
export interface LineSink {
  line(text: string): void;
  /** A line longer than the cap was skipped; `bytes` is its length without the newline. */
  oversized(bytes: number): void;
}

const NEWLINE = 0x0a;

export class BoundedLines {
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Bytes of the current line, kept or dropped: over the cap it is being skipped. */
  private lineBytes = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  /** Bytes of the whole lines (newlines included) handed on so far, kept or skipped. */
  consumedBytes = 0;

  push(chunk: Uint8Array): void {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      this.keep(chunk.subarray(start, end));
      this.endLine();
      start = end + 1;
    }
    this.keep(chunk.subarray(start));
  }

  /** The stream ended: an unterminated last line counts as a line. */
  end(): void {
    if (this.lineBytes > 0) this.endLine();
  }

  private keep(bytes: Uint8Array): void {
    this.lineBytes += bytes.length;
    if (this.lineBytes > this.maxLineBytes) {
      this.tail = [];
      this.tailBytes = 0;
      return;
    }
    if (bytes.length === 0) return;
    this.tail.push(Buffer.from(bytes));
    this.tailBytes += bytes.length;
  }

  private endLine(): void {
    const bytes = this.lineBytes;
    const text = bytes > this.maxLineBytes ? undefined : Buffer.concat(this.tail, this.tailBytes).toString('utf8');
    this.tail = [];
    this.tailBytes = 0;
    this.lineBytes = 0;
    this.consumedBytes += bytes + 1;
    if (text === undefined) this.sink.oversized(bytes);
    else this.sink.line(text);
  }
}
