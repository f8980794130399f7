-- Histopathology tiles: one row per slide (which encoder made its embeddings) and one per tile,
-- with its QC outcome and reason, metrics, stain estimate and embedding (kept tiles only).

CREATE TABLE slide (
  patient_id text NOT NULL,
  slide_id text NOT NULL,
  encoder text NOT NULL,
  embedding_dim integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, slide_id)
);

CREATE TABLE tile (
  patient_id text NOT NULL,
  slide_id text NOT NULL,
  name text NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  format text NOT NULL,
  sha256 text NOT NULL,
  kept boolean NOT NULL,
  reason text NOT NULL,
  metrics jsonb NOT NULL,
  stain jsonb,
  embedding real[],
  import_id text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, slide_id, name),
  FOREIGN KEY (patient_id, slide_id) REFERENCES slide (patient_id, slide_id) ON DELETE CASCADE
);
