import type { ExperimentIssue } from '../../shared/experiment/issues';

/** The text of an experiment file, or the one issue that keeps it from being read as text. */
export type ExperimentText = { text: string } | { issue: ExperimentIssue };

const SAVE_AS_UTF8 = 'save it as UTF-8 (in VS Code: the encoding in the status bar → Save with Encoding → UTF-8)';

/**
 * Decodes an experiment file's bytes as UTF-8. A lenient decoder would turn every byte that is not
 * UTF-8 into U+FFFD and go on, silently changing a path or a class name, and would read UTF-16 as
 * text with a NUL between every letter; both are refused with the place of the first bad byte.
 * `file` names the file in the issue.
 */
export function decodeExperimentText(bytes: Uint8Array, file: string): ExperimentText {
  const utf16 = utf16Sign(bytes);
  // An empty range: the first line of a file that is not text may hold no character to mark.
  if (utf16 !== undefined) return { issue: fileIssue(file, 1, 1, 0, `the file is UTF-16 text (${utf16}), not UTF-8: ${SAVE_AS_UTF8}`) };
  const bad = firstInvalidUtf8(bytes);
  if (bad === -1) return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  const { line, column } = placeOfByte(bytes, bad);
  const hex = (bytes[bad] as number).toString(16).toUpperCase().padStart(2, '0');
  return {
    issue: fileIssue(file, line, column, 1, `byte 0x${hex} is not UTF-8 (the file is in another encoding, such as Latin-1 or Windows-1252): ${SAVE_AS_UTF8}`),
  };
}

function fileIssue(file: string, line: number, column: number, width: number, message: string): ExperimentIssue {
  return { file, line, column, endLine: line, endColumn: column + width, path: [], message, severity: 'error' };
}

/** Why the bytes are UTF-16: a byte order mark, or ASCII text with a NUL byte beside every letter. */
function utf16Sign(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'it starts with the byte order mark FF FE';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'it starts with the byte order mark FE FF';
  return nulInterleaved(bytes) ? 'every other byte is NUL' : undefined;
}

/** Bytes looked at to tell UTF-16 without a byte order mark. */
const UTF16_SAMPLE = 128;

function nulInterleaved(bytes: Uint8Array): boolean {
  const pairs = Math.floor(Math.min(bytes.length, UTF16_SAMPLE) / 2);
  if (pairs < 2) return false;
  let littleEndian = 0;
  let bigEndian = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    const [first, second] = [bytes[i] as number, bytes[i + 1] as number];
    if (first !== 0 && second === 0) littleEndian++;
    if (first === 0 && second !== 0) bigEndian++;
  }
  return Math.max(littleEndian, bigEndian) >= 0.75 * pairs;
}

/** The offset of the first byte that does not begin a well-formed UTF-8 sequence (Unicode table 3-7), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return -1;
}

/** The length of the well-formed sequence at `i`, or 0. The second byte's range depends on the first. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] as number;
  if (lead < 0x80) return 1;
  const [length, low, high] =
    lead >= 0xc2 && lead <= 0xdf
      ? [2, 0x80, 0xbf]
      : lead === 0xe0
        ? [3, 0xa0, 0xbf]
        : lead === 0xed
          ? [3, 0x80, 0x9f]
          : lead >= 0xe1 && lead <= 0xef
            ? [3, 0x80, 0xbf]
            : lead === 0xf0
              ? [4, 0x90, 0xbf]
              : lead >= 0xf1 && lead <= 0xf3
                ? [4, 0x80, 0xbf]
                : lead === 0xf4
                  ? [4, 0x80, 0x8f]
                  : [0, 0, 0];
  const second = bytes[i + 1];
  if (length === 0 || second === undefined || second < low || second > high) return 0;
  for (let k = 2; k < length; k++) {
    const next = bytes[i + k];
    if (next === undefined || next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}

/** 1-based line and column (in UTF-16 units, as editors count) of byte `offset`, all bytes before which are UTF-8. */
function placeOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
  const before = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(lineStart, offset));
  return { line, column: before.length + 1 };
}
