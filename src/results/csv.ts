// The results' CSV files hold numbers only (csv-stringify writes NaN and Infinity as such), so a strict
// line-and-comma reader suffices and every deviation is a corrupt file, reported with its line.
import { stringify } from 'csv-stringify/sync';

/** A results file that exists but cannot be used; the message names the file and the place in it. */
export class UnreadableResultFile extends Error {
  override name = 'UnreadableResultFile';
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?Infinity$|^NaN$/;

/** The CSV text of `rows`, one line each with the `columns` in order, after the header line when `withHeader`. */
export function numericCsv<Row>(rows: readonly Row[], columns: readonly (keyof Row & string)[], withHeader: boolean): string {
  return stringify(rows.map((r) => columns.map((c) => r[c])), { header: withHeader, columns: [...columns] });
}

/**
 * Rows of a CSV whose header must be exactly `columns`, each field a number; fields named in `optional`
 * may be empty (null). Throws UnreadableResultFile naming `file` and the line.
 */
export function parseNumericCsv<Column extends string>(
  text: string,
  file: string,
  columns: readonly Column[],
  optional: readonly Column[] = [],
): Record<Column, number | null>[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const problem = (line: number, message: string) => new UnreadableResultFile(`${file}: line ${line}: ${message}`);
  if (lines.length === 0) throw new UnreadableResultFile(`${file}: empty (expected the header ${columns.join(',')})`);
  if (lines[0] !== columns.join(',')) throw problem(1, `header is "${lines[0]}", expected "${columns.join(',')}"`);
  return lines.slice(1).map((line, index) => {
    const fields = line.split(',');
    if (fields.length !== columns.length) throw problem(index + 2, `${fields.length} field(s), expected ${columns.length}`);
    const row = {} as Record<Column, number | null>;
    columns.forEach((column, c) => {
      const field = fields[c]!;
      if (field === '' && optional.includes(column)) row[column] = null;
      else if (NUMBER.test(field)) row[column] = Number(field);
      else throw problem(index + 2, `${column} is "${field}", not a number`);
    });
    return row;
  });
}

/** Rows whose `column` counts first, first + 1, ...; a gap or repeat is UnreadableResultFile naming the line. */
export function checkConsecutive<Row>(rows: readonly Row[], file: string, column: keyof Row & string, first: number): void {
  rows.forEach((row, index) => {
    if (row[column] !== index + first) throw new UnreadableResultFile(`${file}: line ${index + 2}: ${column} ${String(row[column])}, expected ${index + first}`);
  });
}
