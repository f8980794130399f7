/**
 * What a clinician reports about one line of therapy, checked at the edge with zod. Shape only:
 * whether the dates make a possible timeline is timeline-rules.ts's job. Dates are calendar dates
 * (YYYY-MM-DD), as clinics record them; `null` from GraphQL counts as absent, except for
 * `followedSuggestion`, where null states that no suggestion was followed.
 */
import { z } from 'zod';
import { badInput, type InputIssue } from '../errors/domain-error.ts';

/** RECIST 1.1 response categories (Eisenhauer et al., Eur J Cancer 2009;45:228-247). */
export const RECIST_CATEGORIES = ['CR', 'PR', 'SD', 'PD'] as const;
export type RecistCategory = (typeof RECIST_CATEGORIES)[number];

/** Lines of therapy beyond this are taken for a typing error rather than a treatment history. */
export const MAX_LINE = 30;

const CalendarDate = z.iso.date({ message: 'must be a calendar date YYYY-MM-DD' });
const absent = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null ? undefined : v), schema.optional());

const TherapyInput = z
  .object({
    /** a formulary regimen, by id (`letrozole-palbociclib`) or name (`letrozole + palbociclib`) */
    regimen: absent(z.string().trim().min(1).max(200)),
    /** RxNorm ingredient codes of the drugs given together */
    rxnorm: absent(z.array(z.string().regex(/^\d{1,12}$/, 'must be an RxNorm code (digits)')).min(1, 'name at least one drug').max(12)),
    /** display name for people, when the regimen is not in the formulary */
    name: absent(z.string().trim().min(1).max(200)),
  })
  .strict()
  .refine((t) => t.regimen !== undefined || t.rxnorm !== undefined, { message: 'give the regimen or its RxNorm codes', path: ['regimen'] });

const FollowedSuggestion = z
  .object({
    /** the suggested regimen as it was shown (CIViC therapy names) */
    therapy: z.string().trim().min(1).max(300),
    /** the suggestion's tier; null for a tier-less suggestion (warnings only) */
    tier: z.enum(['I', 'II', 'III']).nullable(),
    /** the response model behind the ranking, `name@version`, when there was one */
    modelVersion: absent(z.string().regex(/^[a-z0-9-]{1,100}@\d{1,9}$/, 'must be name@version')),
  })
  .strict();

/** One line's outcome as reported: the therapy, its line and start, and what followed. */
export const OutcomeInputSchema = z
  .object({
    patientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR id'),
    therapy: TherapyInput,
    line: z.number().int('must be a whole number').min(1, 'lines of therapy count from 1').max(MAX_LINE, `at most ${MAX_LINE}`),
    startDate: CalendarDate,
    bestResponse: absent(z.object({ category: z.enum(RECIST_CATEGORIES), date: CalendarDate }).strict()),
    progressionDate: absent(CalendarDate),
    death: absent(z.object({ date: CalendarDate }).strict()),
    lastFollowUp: absent(CalendarDate),
    /** undefined: not stated; null: no suggestion was followed */
    followedSuggestion: FollowedSuggestion.nullable().optional(),
  })
  .strict();

export type OutcomeInput = z.infer<typeof OutcomeInputSchema>;
export type FollowedSuggestionInput = z.infer<typeof FollowedSuggestion>;

/** A zod path as the located expression the client sees (`bestResponse.date`, `therapy.rxnorm[1]`). */
export function expressionOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), '');
}

/** Parses the input or throws BAD_INPUT listing every problem where it is. */
export function parseOutcomeInput(json: unknown): OutcomeInput {
  const parsed = OutcomeInputSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues: InputIssue[] = parsed.error.issues.map((i) => ({ expression: expressionOf(i.path) || 'input', message: i.message }));
  throw badInput(`outcome rejected: ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was stored`, issues);
}
