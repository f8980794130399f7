import { z } from 'zod';
import { badInput, type InputIssue } from '../errors/domain-error.ts';
import { fhirIdSchema } from './audit-event.ts';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditAction, type AuditOutcomeCode } from './balp-codes.ts';

/** Filters of an admin audit search; every one given must match. */
export interface AuditSearchOptions {
  /** Patient resource id */
  patient?: string;
  /** client id or user id */
  agent?: string;
  action?: AuditAction[];
  outcome?: AuditOutcomeCode[];
  /** recorded at or after this instant (ISO) */
  recordedFrom?: string;
  /** recorded before this instant (ISO) */
  recordedTo?: string;
  /** page size, 1 to 500 (default 50) */
  count?: number;
  /** the opaque `_cursor` of a `next` link */
  cursor?: string;
}

export const MAX_AUDIT_PAGE = 500;
export const DEFAULT_AUDIT_PAGE = 50;

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The instants a FHIR date search value covers, [start, end): `2024` is the whole year, `2024-05-01`
 * the day (UTC), a dateTime its second or millisecond (http://hl7.org/fhir/R4/search.html#date).
 */
export function dateSearchRange(value: string): { start: Date; end: Date } | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms, tz] = m;
  const start = h !== undefined ? new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms ?? ''}${tz ?? 'Z'}`) : new Date(Date.UTC(Number(y), Number(mo ?? 1) - 1, Number(d ?? 1)));
  if (Number.isNaN(start.getTime())) return undefined;
  const end = new Date(start);
  if (h !== undefined) end.setTime(start.getTime() + (ms !== undefined ? 1 : 1000));
  else if (d !== undefined) end.setUTCDate(end.getUTCDate() + 1);
  else if (mo !== undefined) end.setUTCMonth(end.getUTCMonth() + 1);
  else end.setUTCFullYear(end.getUTCFullYear() + 1);
  return { start, end };
}

function applyDate(options: AuditSearchOptions, raw: string, issues: InputIssue[]): void {
  const prefix = /^(eq|ge|gt|le|lt)/.exec(raw)?.[1] ?? 'eq';
  const range = dateSearchRange(raw.slice(/^(eq|ge|gt|le|lt)/.test(raw) ? 2 : 0));
  if (!range) {
    issues.push({ expression: 'date', message: 'expected [eq|ge|gt|le|lt] and a FHIR date or dateTime' });
    return;
  }
  const from = prefix === 'eq' || prefix === 'ge' ? range.start : prefix === 'gt' ? range.end : undefined;
  const to = prefix === 'eq' || prefix === 'le' ? range.end : prefix === 'lt' ? range.start : undefined;
  // several date parameters narrow the range together
  if (from && (!options.recordedFrom || from.toISOString() > options.recordedFrom)) options.recordedFrom = from.toISOString();
  if (to && (!options.recordedTo || to.toISOString() < options.recordedTo)) options.recordedTo = to.toISOString();
}

function tokens<T extends string | number>(raw: string, allowed: readonly T[], name: string, issues: InputIssue[]): T[] {
  const out: T[] = [];
  for (const t of raw.split(',')) {
    const hit = allowed.find((a) => String(a) === t.trim());
    if (hit === undefined) issues.push({ expression: name, message: `expected one of ${allowed.join(', ')}` });
    else out.push(hit);
  }
  return out;
}

const countSchema = z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE);

/**
 * Reads FHIR AuditEvent search parameters (`patient`, `agent`, `action`, `outcome`, `date`,
 * `_count`, `_cursor`) at the REST edge. Unknown parameters are refused rather than ignored, so
 * an admin never reads a wider result than the one asked for.
 */
export function parseAuditSearchParams(params: URLSearchParams): AuditSearchOptions {
  const options: AuditSearchOptions = {};
  const issues: InputIssue[] = [];
  for (const [name, value] of params) {
    switch (name) {
      case 'patient': {
        const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
        if (fhirIdSchema.safeParse(id).success) options.patient = id;
        else issues.push({ expression: name, message: 'expected Patient/{id} or {id}' });
        break;
      }
      case 'agent':
        if (value.length > 0 && value.length <= 256) options.agent = value;
        else issues.push({ expression: name, message: 'expected a client or user id' });
        break;
      case 'action':
        options.action = tokens(value, AUDIT_ACTIONS, name, issues);
        break;
      case 'outcome':
        options.outcome = tokens(value, AUDIT_OUTCOMES, name, issues);
        break;
      case 'date':
        applyDate(options, value, issues);
        break;
      case '_count': {
        const c = countSchema.safeParse(value);
        if (c.success) options.count = c.data;
        else issues.push({ expression: name, message: `expected a whole number from 1 to ${MAX_AUDIT_PAGE}` });
        break;
      }
      case '_cursor':
        options.cursor = value;
        break;
      default:
        issues.push({ expression: name, message: 'unsupported search parameter for AuditEvent' });
    }
  }
  if (issues.length > 0) throw badInput('invalid AuditEvent search', issues);
  return options;
}

/** The search parameters of options, in a fixed order (for self and next links). */
export function toAuditSearchParams(options: AuditSearchOptions): URLSearchParams {
  const p = new URLSearchParams();
  if (options.patient) p.set('patient', `Patient/${options.patient}`);
  if (options.agent) p.set('agent', options.agent);
  if (options.action?.length) p.set('action', options.action.join(','));
  if (options.outcome?.length) p.set('outcome', options.outcome.join(','));
  if (options.recordedFrom) p.append('date', `ge${options.recordedFrom}`);
  if (options.recordedTo) p.append('date', `lt${options.recordedTo}`);
  p.set('_count', String(options.count ?? DEFAULT_AUDIT_PAGE));
  if (options.cursor) p.set('_cursor', options.cursor);
  return p;
}
