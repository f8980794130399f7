/** SQL for call sets and their variants. */
import type { SqlClient } from '../storage/port.ts';
import type { VariantCall, VariantCallSet } from './read-vcf.ts';

export interface CallSetRow {
  id: string;
  patientId: string;
  specimenId: string;
  fileName: string;
  sha256: string;
  build: string;
  annotation: string;
  tumourSample: string | null;
  stats: VariantCallSet['stats'];
  tmb: { method: string; count: number; targetMb: number; value: number } | null;
  tmbUnavailable: string | null;
  observationIds: string[];
  importedAt: string;
}

export interface StoredVariant {
  callSetId: string;
  specimenId: string;
  line: number;
  chrom: string;
  pos: number;
  ref: string;
  alt: string;
  filter: string;
  gene: string | null;
  consequence: string | null;
  impact: string | null;
  transcript: string | null;
  /** exon of the chosen consequence as annotated, "19/28" */
  exon: string | null;
  hgvsc: string | null;
  hgvsp: string | null;
  proteinChange: string | null;
  vaf: number | null;
  depth: number | null;
  altDepth: number | null;
  hotspot: string | null;
  tmbCounted: boolean;
}

/** Removes a specimen's call set (and its variants) and returns what it was, so its observations can be withdrawn. */
export async function deleteCallSet(tx: SqlClient, patientId: string, specimenId: string): Promise<{ id: string; observationIds: string[] } | undefined> {
  const res = await tx.query<{ id: string; observation_ids: string[] }>(
    'DELETE FROM variant_call_set WHERE patient_id = $1 AND specimen_id = $2 RETURNING id, observation_ids',
    [patientId, specimenId],
  );
  const row = res.rows[0];
  return row ? { id: row.id, observationIds: row.observation_ids } : undefined;
}

/** The observation ids a specimen's current call set wrote. */
export async function observationIdsOf(db: SqlClient, patientId: string, specimenId: string): Promise<string[]> {
  const res = await db.query<{ observation_ids: string[] }>('SELECT observation_ids FROM variant_call_set WHERE patient_id = $1 AND specimen_id = $2', [patientId, specimenId]);
  return res.rows[0]?.observation_ids ?? [];
}

const CHUNK = 2000;

/** Inserts a call set and its calls. */
export async function insertCallSet(
  tx: SqlClient,
  row: { id: string; patientId: string; specimenId: string; sha256: string; observationIds: string[] },
  set: VariantCallSet,
): Promise<void> {
  const tmb = 'unavailable' in set.tmb ? undefined : set.tmb;
  await tx.query(
    `INSERT INTO variant_call_set (id, patient_id, specimen_id, file_name, sha256, genome_build, annotation, tumor_sample, stats,
       tmb_method, tmb_count, tmb_target_mb, tmb_value, tmb_unavailable, observation_ids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15)`,
    [
      row.id, row.patientId, row.specimenId, set.fileName, row.sha256, set.build, set.annotation, set.tumourSample ?? null, JSON.stringify(set.stats),
      tmb?.method ?? null, tmb?.count ?? null, tmb?.targetMb ?? null, tmb?.value ?? null, 'unavailable' in set.tmb ? set.tmb.unavailable : null, row.observationIds,
    ],
  );
  for (let start = 0; start < set.calls.length; start += CHUNK) {
    const chunk = set.calls.slice(start, start + CHUNK);
    const col = <K extends keyof VariantCall>(k: K) => chunk.map((c) => c[k] ?? null);
    await tx.query(
      `INSERT INTO somatic_variant (call_set_id, ordinal, patient_id, line, chrom, pos, ref, alt, filter, gene, consequence, terms,
         impact, transcript, canonical, hgvsc, hgvsp, protein_change, vaf, depth, alt_depth, hotspot, tmb_counted, exon)
       SELECT $1, t.ord + $2, $3, t.line, t.chrom, t.pos, t.ref, t.alt, t.filter, t.gene, t.consequence,
              string_to_array(t.terms, '&'), t.impact, t.transcript, t.canonical, t.hgvsc, t.hgvsp, t.protein_change,
              t.vaf, t.depth, t.alt_depth, t.hotspot, t.tmb_counted, t.exon
       FROM unnest($4::int[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                   $13::text[], $14::text[], $15::bool[], $16::text[], $17::text[], $18::text[], $19::float8[], $20::int[], $21::int[],
                   $22::text[], $23::bool[], $24::text[])
         WITH ORDINALITY AS t(line, chrom, pos, ref, alt, filter, gene, consequence, terms, impact, transcript, canonical,
                              hgvsc, hgvsp, protein_change, vaf, depth, alt_depth, hotspot, tmb_counted, exon, ord)`,
      [
        row.id, start, row.patientId,
        col('line'), col('chrom'), col('pos'), col('ref'), col('alt'), col('filter'), col('gene'), col('consequence'),
        chunk.map((c) => c.terms.join('&')), col('impact'), col('transcript'), col('canonical'), col('hgvsc'), col('hgvsp'),
        col('proteinChange'), col('vaf'), col('depth'), col('altDepth'), col('hotspot'), col('tmbCounted'), col('exon'),
      ],
    );
  }
}

interface CallSetDbRow {
  id: string;
  patient_id: string;
  specimen_id: string;
  file_name: string;
  sha256: string;
  genome_build: string;
  annotation: string;
  tumor_sample: string | null;
  stats: VariantCallSet['stats'];
  tmb_method: string | null;
  tmb_count: number | null;
  tmb_target_mb: number | null;
  tmb_value: number | null;
  tmb_unavailable: string | null;
  observation_ids: string[];
  imported_at: Date | string;
}

function toCallSet(r: CallSetDbRow): CallSetRow {
  return {
    id: r.id,
    patientId: r.patient_id,
    specimenId: r.specimen_id,
    fileName: r.file_name,
    sha256: r.sha256,
    build: r.genome_build,
    annotation: r.annotation,
    tumourSample: r.tumor_sample,
    stats: r.stats,
    tmb: r.tmb_method !== null ? { method: r.tmb_method, count: r.tmb_count as number, targetMb: r.tmb_target_mb as number, value: r.tmb_value as number } : null,
    tmbUnavailable: r.tmb_unavailable,
    observationIds: r.observation_ids,
    importedAt: new Date(r.imported_at).toISOString(),
  };
}

/** A patient's call sets, newest first. */
export async function readCallSets(db: SqlClient, patientId: string): Promise<CallSetRow[]> {
  const res = await db.query<CallSetDbRow>('SELECT * FROM variant_call_set WHERE patient_id = $1 ORDER BY imported_at DESC, id', [patientId]);
  return res.rows.map(toCallSet);
}

/** A patient's stored variants, in genome order within each call set. */
export async function readVariants(db: SqlClient, patientId: string, options: { gene?: string; limit?: number } = {}): Promise<StoredVariant[]> {
  const res = await db.query<Record<string, unknown>>(
    `SELECT v.*, s.specimen_id FROM somatic_variant v JOIN variant_call_set s ON s.id = v.call_set_id
     WHERE v.patient_id = $1 AND ($2::text IS NULL OR v.gene = $2)
     ORDER BY s.imported_at DESC, v.call_set_id, v.ordinal LIMIT $3`,
    [patientId, options.gene ?? null, options.limit ?? 100_000],
  );
  return res.rows.map((r) => ({
    callSetId: r.call_set_id as string,
    specimenId: r.specimen_id as string,
    line: r.line as number,
    chrom: r.chrom as string,
    pos: r.pos as number,
    ref: r.ref as string,
    alt: r.alt as string,
    filter: r.filter as string,
    gene: r.gene as string | null,
    consequence: r.consequence as string | null,
    impact: r.impact as string | null,
    transcript: r.transcript as string | null,
    exon: (r.exon as string | null) ?? null,
    hgvsc: r.hgvsc as string | null,
    hgvsp: r.hgvsp as string | null,
    proteinChange: r.protein_change as string | null,
    vaf: r.vaf as number | null,
    depth: r.depth as number | null,
    altDepth: r.alt_depth as number | null,
    hotspot: r.hotspot as string | null,
    tmbCounted: r.tmb_counted as boolean,
  }));
}
