-- Raw FHIR resources as received (after id assignment and reference resolution), their history,
-- the import batches they came in, and the clinical summary derived from each patient's record.

CREATE TABLE import_batch (
  id text PRIMARY KEY,
  source text NOT NULL,
  bundle_type text NOT NULL,
  entry_count integer NOT NULL,
  patient_ids text[] NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE fhir_resource (
  resource_type text NOT NULL,
  id text NOT NULL,
  version integer NOT NULL,
  patient_id text,
  source_version_id text,
  content jsonb NOT NULL,
  last_updated timestamptz NOT NULL DEFAULT now(),
  import_id text NOT NULL REFERENCES import_batch (id),
  PRIMARY KEY (resource_type, id)
);

CREATE INDEX fhir_resource_patient_idx ON fhir_resource (patient_id, resource_type);

CREATE TABLE fhir_resource_version (
  resource_type text NOT NULL,
  id text NOT NULL,
  version integer NOT NULL,
  source_version_id text,
  content jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  import_id text NOT NULL REFERENCES import_batch (id),
  PRIMARY KEY (resource_type, id, version)
);

CREATE TABLE patient_summary (
  patient_id text PRIMARY KEY,
  summary jsonb NOT NULL,
  mapper_version text NOT NULL,
  data_version integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
