/**
 * The `trial_patient_features` / `trial_patient_variant` projection (migration 010): one row of
 * facts per patient and their gene-level findings, indexed so that eligibility compiles to plain
 * SQL. It is derived data, rewritten whole for a patient whenever their record changes.
 */
import type { ClinicalSummary } from '../../clinical/mcode/types.ts';
import { readCallSets, readVariants } from '../../genomics/variant-store.ts';
import type { Database, SqlClient } from '../../storage/port.ts';
import type { CancerClass, MsiStatus, ReceptorStatus } from '../eligibility/types.ts';
import { derivePatientFacts, type FactVariant, type PatientFacts, type PatientGenomics, type VariantCall } from './patient-facts.ts';

const CHUNK = 10_000;

async function inTransaction<T>(db: Database | SqlClient, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
  return 'transaction' in db ? db.transaction(fn) : fn(db);
}

/** Writes (replaces) the facts of several patients. Call inside a transaction, or pass the Database. */
export async function writePatientFeatures(db: Database | SqlClient, rows: readonly { patientId: string; facts: PatientFacts }[]): Promise<void> {
  if (rows.length === 0) return;
  await inTransaction(db, async (tx) => {
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK);
      const col = <T>(f: (x: PatientFacts) => T) => chunk.map((r) => f(r.facts));
      const ids = chunk.map((r) => r.patientId);
      await tx.query(
        `INSERT INTO trial_patient_features (patient_id, birth_earliest, birth_latest, deceased, sex, population_group, cancer_type,
           cancer_class, stage_group, ecog, prior_lines, er, pr, her2, msi, tmb, sequenced)
         SELECT * FROM unnest($1::text[], $2::date[], $3::date[], $4::bool[], $5::text[], $6::text[], $7::text[], $8::text[],
           $9::int2[], $10::int2[], $11::int2[], $12::text[], $13::text[], $14::text[], $15::text[], $16::float8[], $17::bool[])
         ON CONFLICT (patient_id) DO UPDATE SET birth_earliest = EXCLUDED.birth_earliest, birth_latest = EXCLUDED.birth_latest,
           deceased = EXCLUDED.deceased, sex = EXCLUDED.sex, population_group = EXCLUDED.population_group,
           cancer_type = EXCLUDED.cancer_type, cancer_class = EXCLUDED.cancer_class, stage_group = EXCLUDED.stage_group,
           ecog = EXCLUDED.ecog, prior_lines = EXCLUDED.prior_lines, er = EXCLUDED.er, pr = EXCLUDED.pr, her2 = EXCLUDED.her2,
           msi = EXCLUDED.msi, tmb = EXCLUDED.tmb, sequenced = EXCLUDED.sequenced, updated_at = now()`,
        [
          ids, col((f) => f.birthDate?.earliest ?? null), col((f) => f.birthDate?.latest ?? null), col((f) => f.deceased),
          col((f) => f.sex), col((f) => f.populationGroup), col((f) => f.cancerType), col((f) => f.cancerClass),
          col((f) => f.stageGroup), col((f) => f.ecog), col((f) => f.priorLines), col((f) => f.er), col((f) => f.pr),
          col((f) => f.her2), col((f) => f.msi), col((f) => f.tmb), col((f) => f.sequenced),
        ],
      );
      await tx.query('DELETE FROM trial_patient_variant WHERE patient_id = ANY($1::text[])', [ids]);
      const variants = chunk.flatMap((r) => r.facts.variants.map((v) => ({ patientId: r.patientId, v })));
      for (let vs = 0; vs < variants.length; vs += CHUNK) {
        const part = variants.slice(vs, vs + CHUNK);
        await tx.query(
          `INSERT INTO trial_patient_variant (patient_id, gene, protein_change, exon, altering)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int2[], $5::bool[])`,
          [part.map((x) => x.patientId), part.map((x) => x.v.gene), part.map((x) => x.v.proteinChange), part.map((x) => x.v.exon), part.map((x) => x.v.altering)],
        );
      }
    }
  });
}

/** Removes patients from the projection (their record is gone). */
export async function deletePatientFeatures(db: SqlClient, patientIds: readonly string[]): Promise<void> {
  await db.query('DELETE FROM trial_patient_features WHERE patient_id = ANY($1::text[])', [patientIds]);
}

/** A patient's stored genomics: whether a call set exists, the newest TMB, and the calls (read unless given). */
export async function readPatientGenomics(db: SqlClient, patientId: string, variants?: readonly VariantCall[]): Promise<PatientGenomics> {
  const sets = await readCallSets(db, patientId);
  const tmb = sets.find((s) => s.tmb)?.tmb?.value ?? null;
  return { sequenced: sets.length > 0, tmb, variants: variants ?? (sets.length > 0 ? await readVariants(db, patientId) : []) };
}

/**
 * Recomputes one patient's row from their clinical summary and stored variants (read when not
 * given). Call it after every import that touches the patient: FHIR Bundle, VCF, consent. A
 * missing summary (no Patient stored) removes the row.
 */
export async function refreshPatientFeatures(
  db: Database | SqlClient,
  patientId: string,
  summary: ClinicalSummary | undefined,
  variants?: readonly VariantCall[],
): Promise<PatientFacts | undefined> {
  return inTransaction(db, async (tx) => {
    if (!summary) {
      await deletePatientFeatures(tx, [patientId]);
      return undefined;
    }
    const facts = derivePatientFacts(summary, await readPatientGenomics(tx, patientId, variants));
    await writePatientFeatures(tx, [{ patientId, facts }]);
    return facts;
  });
}

interface FeatureRow {
  patient_id: string;
  birth_earliest: string | null;
  birth_latest: string | null;
  deceased: boolean;
  sex: PatientFacts['sex'];
  population_group: string | null;
  cancer_type: string | null;
  cancer_class: CancerClass | null;
  stage_group: number | null;
  ecog: number | null;
  prior_lines: number | null;
  er: ReceptorStatus | null;
  pr: ReceptorStatus | null;
  her2: ReceptorStatus | null;
  msi: MsiStatus | null;
  tmb: number | null;
  sequenced: boolean;
}

// dates are read as text: node-postgres and PGlite would each turn them into Dates of a different midnight
const isoDay = (d: string): string => d.slice(0, 10);

/** The stored facts of some patients, by id (the projection read back, for checks and tests). */
export async function readPatientFacts(db: SqlClient, patientIds: readonly string[]): Promise<Map<string, PatientFacts>> {
  const rows = await db.query<FeatureRow>(
    `SELECT patient_id, birth_earliest::text AS birth_earliest, birth_latest::text AS birth_latest, deceased, sex, population_group,
       cancer_type, cancer_class, stage_group, ecog, prior_lines, er, pr, her2, msi, tmb, sequenced
     FROM trial_patient_features WHERE patient_id = ANY($1::text[])`,
    [patientIds],
  );
  const vars = await db.query<{ patient_id: string; gene: string; protein_change: string | null; exon: number | null; altering: boolean | null }>(
    'SELECT * FROM trial_patient_variant WHERE patient_id = ANY($1::text[]) ORDER BY patient_id, gene, protein_change, exon',
    [patientIds],
  );
  const byPatient = new Map<string, FactVariant[]>();
  for (const v of vars.rows) {
    const list = byPatient.get(v.patient_id) ?? [];
    list.push({ gene: v.gene, proteinChange: v.protein_change, exon: v.exon, altering: v.altering });
    byPatient.set(v.patient_id, list);
  }
  const out = new Map<string, PatientFacts>();
  for (const r of rows.rows) {
    out.set(r.patient_id, {
      birthDate: r.birth_earliest && r.birth_latest ? { earliest: isoDay(r.birth_earliest), latest: isoDay(r.birth_latest) } : null,
      deceased: r.deceased,
      sex: r.sex,
      populationGroup: r.population_group,
      cancerType: r.cancer_type,
      cancerClass: r.cancer_class,
      stageGroup: r.stage_group,
      ecog: r.ecog,
      priorLines: r.prior_lines,
      er: r.er,
      pr: r.pr,
      her2: r.her2,
      msi: r.msi,
      tmb: r.tmb,
      sequenced: r.sequenced,
      variants: byPatient.get(r.patient_id) ?? [],
    });
  }
  return out;
}
