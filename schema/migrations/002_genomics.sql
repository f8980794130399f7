-- Somatic variant calls imported from VCF: one call set per patient and specimen (a re-import of
-- the same specimen replaces it), and the normalised calls that passed the filters.

CREATE TABLE variant_call_set (
  id text PRIMARY KEY,
  patient_id text NOT NULL,
  specimen_id text NOT NULL,
  file_name text NOT NULL,
  sha256 text NOT NULL,
  genome_build text NOT NULL,
  annotation text NOT NULL,
  tumor_sample text,
  stats jsonb NOT NULL,
  tmb_method text,
  tmb_count integer,
  tmb_target_mb double precision,
  tmb_value double precision,
  tmb_unavailable text,
  observation_ids text[] NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (patient_id, specimen_id)
);

CREATE TABLE somatic_variant (
  call_set_id text NOT NULL REFERENCES variant_call_set (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  patient_id text NOT NULL,
  line integer NOT NULL,
  chrom text NOT NULL,
  pos integer NOT NULL,
  ref text NOT NULL,
  alt text NOT NULL,
  filter text NOT NULL,
  gene text,
  consequence text,
  terms text[] NOT NULL,
  impact text,
  transcript text,
  canonical boolean,
  hgvsc text,
  hgvsp text,
  protein_change text,
  vaf double precision,
  depth integer,
  alt_depth integer,
  hotspot text,
  tmb_counted boolean NOT NULL,
  PRIMARY KEY (call_set_id, ordinal)
);

CREATE INDEX somatic_variant_patient_idx ON somatic_variant (patient_id, gene);
