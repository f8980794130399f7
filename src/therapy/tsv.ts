/**
 * Tab-separated text as the CIViC extract is written: a header line, one record a line, and a
 * field that holds a double quote wrapped in quotes with the inner quotes doubled (RFC 4180's rule,
 * https://www.rfc-editor.org/rfc/rfc4180#section-2, applied to tabs). Fields never hold tabs or
 * line breaks, so a line is a record.
 */

export interface TsvRecord {
  /** 1-based line in the file (the header is line 1) */
  line: number;
  values: string[];
}

/** A TSV's header, its readable records, and the lines that could not be read. */
export interface TsvTable {
  header: string[];
  records: TsvRecord[];
  /** lines that could not be read, with why */
  problems: { line: number; message: string }[];
}

function unquote(field: string): string | undefined {
  if (!field.startsWith('"')) return field;
  if (field.length < 2 || !field.endsWith('"')) return undefined;
  const inner = field.slice(1, -1);
  // a lone quote inside a quoted field means the field was cut or badly written
  if (/(^|[^"])"("")*([^"]|$)/.test(inner)) return undefined;
  return inner.replaceAll('""', '"');
}

/** Splits a TSV text into its header and records; blank lines (a trailing newline) are skipped. */
export function parseTsv(text: string): TsvTable {
  const lines = text.split('\n');
  const header = (lines[0] ?? '').replace(/\r$/, '').split('\t');
  const records: TsvRecord[] = [];
  const problems: TsvTable['problems'] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    if (raw === '') continue;
    const line = i + 1;
    const values: string[] = [];
    let bad = false;
    for (const field of raw.split('\t')) {
      const v = unquote(field);
      if (v === undefined) {
        problems.push({ line, message: `unbalanced quotes in field ${values.length + 1}` });
        bad = true;
        break;
      }
      values.push(v);
    }
    if (bad) continue;
    if (values.length !== header.length) {
      problems.push({ line, message: `${values.length} fields where the header has ${header.length}` });
      continue;
    }
    records.push({ line, values });
  }
  return { header, records, problems };
}
