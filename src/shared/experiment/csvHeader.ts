/**
 * The column names in a CSV file's first line: a byte-order mark and a trailing `\r` dropped, quoted
 * names unquoted (quoted fields are not split further: a header needs no embedded delimiters).
 */
export function csvHeaderColumns(firstLine: string, delimiter: string): string[] {
  return firstLine
    .replace(/^\uFEFF/, '')
    .replace(/\r$/, '')
    .split(delimiter)
    .map(unquote);
}

function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replace(/""/g, '"').trim() : trimmed;
}
