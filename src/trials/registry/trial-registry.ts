/** The trial registry: trials stored in the `trial` table (migration 010), or held in memory. */
import type { ResearchStudy } from '@medplum/fhirtypes';
import type { InputIssue } from '../../errors/domain-error.ts';
import type { SqlClient } from '../../storage/port.ts';
import type { EligibilityNode, TrialDefinition } from '../eligibility/types.ts';

/** What matching needs from a registry. */
export interface TrialRegistryReader {
  get(id: string): Promise<TrialDefinition | undefined>;
  list(): Promise<TrialDefinition[]>;
}

interface TrialRow {
  id: string;
  title: string;
  status: string;
  phase: string | null;
  conditions: string[];
  eligibility: EligibilityNode;
  criteria_text: string | null;
  research_study: ResearchStudy | null;
  warnings: InputIssue[];
}

function toTrial(r: TrialRow): TrialDefinition {
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    conditions: r.conditions,
    eligibility: r.eligibility,
    warnings: r.warnings,
    ...(r.phase ? { phase: r.phase } : {}),
    ...(r.criteria_text ? { criteriaText: r.criteria_text } : {}),
    ...(r.research_study ? { researchStudy: r.research_study } : {}),
  };
}

/** Stores a trial, replacing an earlier version with the same id. */
export async function saveTrial(db: SqlClient, t: TrialDefinition): Promise<void> {
  await db.query(
    `INSERT INTO trial (id, title, status, phase, conditions, eligibility, criteria_text, research_study, warnings)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9::jsonb)
     ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, status = EXCLUDED.status, phase = EXCLUDED.phase,
       conditions = EXCLUDED.conditions, eligibility = EXCLUDED.eligibility, criteria_text = EXCLUDED.criteria_text,
       research_study = EXCLUDED.research_study, warnings = EXCLUDED.warnings, updated_at = now()`,
    [
      t.id, t.title, t.status, t.phase ?? null, t.conditions, JSON.stringify(t.eligibility), t.criteriaText ?? null,
      t.researchStudy ? JSON.stringify(t.researchStudy) : null, JSON.stringify(t.warnings),
    ],
  );
}

/** Removes a trial; returns whether it was there. */
export async function deleteTrial(db: SqlClient, id: string): Promise<boolean> {
  return (await db.query('DELETE FROM trial WHERE id = $1', [id])).rowCount > 0;
}

/** A registry over the `trial` table. */
export function createDbTrialRegistry(db: SqlClient): TrialRegistryReader {
  return {
    async get(id) {
      const res = await db.query<TrialRow>('SELECT * FROM trial WHERE id = $1', [id]);
      return res.rows[0] ? toTrial(res.rows[0]) : undefined;
    },
    async list() {
      return (await db.query<TrialRow>('SELECT * FROM trial ORDER BY id')).rows.map(toTrial);
    },
  };
}

/** A registry over a fixed list (tests, and `$match` against trials not stored at the site). */
export function createMemoryTrialRegistry(trials: readonly TrialDefinition[]): TrialRegistryReader {
  const byId = new Map(trials.map((t) => [t.id, t]));
  return {
    get: async (id) => byId.get(id),
    list: async () => [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
  };
}
