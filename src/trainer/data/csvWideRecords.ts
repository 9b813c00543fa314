/**
 * A data row is kept, and its width told exactly, up to this many fields beyond its header's; a
 * wider one (a line of 50 million commas) is skipped without being parsed into millions of cells.
 */
const MAX_EXTRA_FIELDS = 64;

/** A record too wide to parse: its bytes (`end` past its line break), its last line and its field count. */
export interface WideRecord {
  start: number;
  end: number;
  line: number;
  fields: number;
}

export interface RecordWidths {
  /** Fields of the first non-empty record; 0 when there is none. */
  headerFields: number;
  /** Records of more than `headerFields + MAX_EXTRA_FIELDS` fields, in file order. */
  wide: WideRecord[];
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Counts the fields of every record in one pass over the bytes, as csv-parse will split them: a
 * delimiter or line break inside double quotes does not count, `\r\n`, `\n` and `\r` end a line,
 * blank lines are no records. Far cheaper than parsing, it finds the records too wide to parse
 * before csv-parse would hold every field of one in memory.
 */
export function findWideRecords(bytes: Uint8Array, delimiter: string): RecordWidths {
  const separator = new TextEncoder().encode(delimiter);
  const first = separator[0] as number;
  const wide: WideRecord[] = [];
  let headerFields = 0;
  let fields = 1;
  let blank = true;
  let start = 0;
  let line = 1;
  let quoted = false;
  const endRecord = (end: number): void => {
    if (!blank) {
      if (headerFields === 0) headerFields = fields;
      else if (fields > headerFields + MAX_EXTRA_FIELDS) wide.push({ start, end, line, fields });
    }
    fields = 1;
    blank = true;
    start = end;
  };
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === LF || byte === CR) {
      const next = byte === CR && bytes[i + 1] === LF ? i + 2 : i + 1;
      if (!quoted) endRecord(next);
      line++;
      i = next - 1;
    } else if (byte === QUOTE) {
      quoted = !quoted;
      blank = false;
    } else if (byte === first && !quoted && startsWith(bytes, i, separator)) {
      fields++;
      blank = false;
      i += separator.length - 1;
    } else if (byte !== SPACE && byte !== TAB) {
      blank = false;
    }
  }
  endRecord(bytes.length);
  return { headerFields, wide };
}

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  for (let k = 1; k < prefix.length; k++) if (bytes[at + k] !== prefix[k]) return false;
  return true;
}
