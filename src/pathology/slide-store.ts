/** SQL for slides and their tiles. */
import type { SqlClient } from '../storage/port.ts';
import type { TileRecord } from './tile-pipeline.ts';

export interface SlideSummary {
  patientId: string;
  slideId: string;
  encoder: string;
  embeddingDim: number;
  tileCount: number;
  kept: number;
  rejected: { reason: string; count: number }[];
  updatedAt: string;
}

/** The encoder a stored slide's embeddings came from, if the slide exists. */
export async function slideEncoder(db: SqlClient, patientId: string, slideId: string): Promise<{ encoder: string; embeddingDim: number } | undefined> {
  const res = await db.query<{ encoder: string; embedding_dim: number }>('SELECT encoder, embedding_dim FROM slide WHERE patient_id = $1 AND slide_id = $2', [patientId, slideId]);
  const row = res.rows[0];
  return row ? { encoder: row.encoder, embeddingDim: row.embedding_dim } : undefined;
}

const CHUNK = 1000;

/** Creates or touches the slide and upserts its tiles (a tile sent again under the same name replaces the old one). */
export async function writeTiles(
  tx: SqlClient,
  slide: { patientId: string; slideId: string; encoder: string; embeddingDim: number; importId: string },
  tiles: readonly (TileRecord & { sha256: string })[],
): Promise<void> {
  await tx.query(
    `INSERT INTO slide (patient_id, slide_id, encoder, embedding_dim) VALUES ($1, $2, $3, $4)
     ON CONFLICT (patient_id, slide_id) DO UPDATE SET updated_at = now()`,
    [slide.patientId, slide.slideId, slide.encoder, slide.embeddingDim],
  );
  for (let start = 0; start < tiles.length; start += CHUNK) {
    const chunk = tiles.slice(start, start + CHUNK);
    await tx.query(
      `INSERT INTO tile (patient_id, slide_id, name, width, height, format, sha256, kept, reason, metrics, stain, embedding, import_id)
       SELECT $1, $2, t.name, t.width, t.height, t.format, t.sha256, t.kept, t.reason, t.metrics::jsonb, t.stain::jsonb, t.embedding::real[], $3
       FROM unnest($4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::bool[], $10::text[], $11::text[], $12::text[], $13::text[])
         AS t(name, width, height, format, sha256, kept, reason, metrics, stain, embedding)
       ON CONFLICT (patient_id, slide_id, name) DO UPDATE SET
         width = EXCLUDED.width, height = EXCLUDED.height, format = EXCLUDED.format, sha256 = EXCLUDED.sha256, kept = EXCLUDED.kept,
         reason = EXCLUDED.reason, metrics = EXCLUDED.metrics, stain = EXCLUDED.stain, embedding = EXCLUDED.embedding,
         import_id = EXCLUDED.import_id, imported_at = now()`,
      [
        slide.patientId, slide.slideId, slide.importId,
        chunk.map((t) => t.name), chunk.map((t) => t.width), chunk.map((t) => t.height), chunk.map((t) => t.format), chunk.map((t) => t.sha256),
        chunk.map((t) => t.kept), chunk.map((t) => t.reason), chunk.map((t) => JSON.stringify(t.metrics)),
        chunk.map((t) => (t.stain ? JSON.stringify(t.stain) : null)),
        // real[] literals: Float32 values print exactly enough to round-trip through float4
        chunk.map((t) => (t.embedding ? `{${Array.from(t.embedding).join(',')}}` : null)),
      ],
    );
  }
}

/** A patient's slides with tile counts by QC outcome. */
export async function readSlides(db: SqlClient, patientId: string): Promise<SlideSummary[]> {
  const res = await db.query<{ slide_id: string; encoder: string; embedding_dim: number; updated_at: Date | string; reason: string | null; kept: boolean | null; n: string | number | null }>(
    `SELECT s.slide_id, s.encoder, s.embedding_dim, s.updated_at, t.reason, t.kept, count(t.name) AS n
     FROM slide s LEFT JOIN tile t ON t.patient_id = s.patient_id AND t.slide_id = s.slide_id
     WHERE s.patient_id = $1
     GROUP BY s.slide_id, s.encoder, s.embedding_dim, s.updated_at, t.reason, t.kept
     ORDER BY s.slide_id, t.reason`,
    [patientId],
  );
  const slides = new Map<string, SlideSummary>();
  for (const r of res.rows) {
    let s = slides.get(r.slide_id);
    if (!s) {
      s = { patientId, slideId: r.slide_id, encoder: r.encoder, embeddingDim: r.embedding_dim, tileCount: 0, kept: 0, rejected: [], updatedAt: new Date(r.updated_at).toISOString() };
      slides.set(r.slide_id, s);
    }
    const n = Number(r.n ?? 0);
    if (n === 0 || r.reason === null) continue;
    s.tileCount += n;
    if (r.kept) s.kept += n;
    else s.rejected.push({ reason: r.reason, count: n });
  }
  return [...slides.values()];
}

/** The embeddings of a slide's kept tiles, in tile-name order: the bag a slide-level model reads. */
export async function readSlideEmbeddings(db: SqlClient, patientId: string, slideId: string): Promise<{ names: string[]; dim: number; data: Float32Array }> {
  const res = await db.query<{ name: string; embedding: number[] }>(
    'SELECT name, embedding FROM tile WHERE patient_id = $1 AND slide_id = $2 AND kept ORDER BY name',
    [patientId, slideId],
  );
  const dim = res.rows[0]?.embedding.length ?? 0;
  const data = new Float32Array(res.rows.length * dim);
  res.rows.forEach((r, i) => data.set(r.embedding.map(Number), i * dim));
  return { names: res.rows.map((r) => r.name), dim, data };
}
