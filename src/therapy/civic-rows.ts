/**
 * The rows of the CIViC extract, checked one by one: the columns of CIViC's evidence export
 * (https://civic.readthedocs.io/en/latest/model/evidence.html) that therapy suggestions read.
 * A bad row is reported with its line, never skipped.
 */
import { z } from 'zod';
import type { InputIssue } from '../errors/domain-error.ts';
import { splitTherapies } from './regimens.ts';
import { parseTsv } from './tsv.ts';

const digits = z.string().regex(/^\d+$/, 'expected digits');

/** One predictive evidence item as the extract writes it (the columns this module reads). */
export const EvidenceRowSchema = z
  .object({
    evidence_id: digits.transform(Number),
    molecular_profile: z.string().trim().min(1, 'empty molecular profile'),
    disease: z.string().trim().min(1, 'empty disease'),
    doid: z.union([z.literal(''), digits]),
    therapies: z.string(),
    therapy_interaction_type: z.enum(['', 'Combination', 'Substitutes', 'Sequential']),
    evidence_type: z.literal('Predictive'),
    evidence_direction: z.enum(['Supports', 'Does Not Support']),
    evidence_level: z.enum(['A', 'B', 'C', 'D', 'E']),
    significance: z.enum(['Sensitivity/Response', 'Resistance', 'Reduced Sensitivity', 'Adverse Response', 'N/A']),
    // CIViC's trust rating is 1 to 5 stars and may be unset
    rating: z.union([z.literal(''), z.string().regex(/^[1-5]$/, 'expected a rating of 1 to 5')]),
    variant_origin: z.string(),
    citation_id: z.string().min(1, 'empty citation id'),
    source_type: z.enum(['PubMed', 'ASCO', 'ASH']),
    nct_ids: z.string(),
    last_review_date: z.string().regex(/^\d{4}-\d{2}-\d{2}\b/, 'expected a date'),
    is_flagged: z.enum(['true', 'false']),
    evidence_civic_url: z.url(),
  })
  .refine((r) => splitTherapies(r.therapies).length <= 1 || r.therapy_interaction_type !== '', {
    message: 'several therapies without a therapy_interaction_type',
    path: ['therapy_interaction_type'],
  })
  .refine((r) => r.therapies.trim() !== '' || r.therapy_interaction_type === '', {
    message: 'a therapy_interaction_type without therapies',
    path: ['therapies'],
  });
export type EvidenceRow = z.output<typeof EvidenceRowSchema>;

/** The statement text the A/B extract adds to an evidence item. */
export const StatementRowSchema = z.object({
  evidence_id: digits.transform(Number),
  evidence_statement: z.string().trim().min(1, 'empty statement'),
});
export type StatementRow = z.output<typeof StatementRowSchema>;

export interface ParsedRows<T> {
  rows: { line: number; row: T }[];
  issues: InputIssue[];
}

/**
 * Reads a TSV and checks every record against `schema`; each failure becomes an issue naming the
 * file, the line and the column. Columns the schema does not name are ignored.
 */
export function readRows<S extends z.ZodType>(text: string, file: string, schema: S): ParsedRows<z.output<S>> {
  const table = parseTsv(text);
  const issues: InputIssue[] = table.problems.map((p) => ({ file, line: p.line, message: p.message }));
  const rows: ParsedRows<z.output<S>>['rows'] = [];
  for (const { line, values } of table.records) {
    const record: Record<string, string> = {};
    table.header.forEach((name, i) => {
      record[name] = values[i] ?? '';
    });
    const parsed = schema.safeParse(record);
    if (parsed.success) {
      rows.push({ line, row: parsed.data });
      continue;
    }
    for (const issue of parsed.error.issues) {
      const column = issue.path.join('.');
      issues.push({ file, line, expression: column, message: `line ${line}: ${column ? `${column}: ` : ''}${issue.message}` });
    }
  }
  return { rows, issues };
}
