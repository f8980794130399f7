-- Trial matching (issue 7): the trial registry, and the per-patient projection that trial
-- eligibility compiles to SQL against. The projection is derived data: it is rebuilt from the
-- clinical summary and the stored variants whenever a patient's record changes
-- (src/trials/facts/feature-store.ts), so it never holds anything the record does not.

CREATE TABLE trial (
  id text PRIMARY KEY,
  title text NOT NULL,
  status text NOT NULL,
  phase text,
  conditions text[] NOT NULL,
  eligibility jsonb NOT NULL,
  criteria_text text,
  research_study jsonb,
  warnings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per patient. A NULL column means the record does not say (the criterion is UNKNOWN);
-- birth dates are a range because FHIR allows a birth year or month alone.
CREATE TABLE trial_patient_features (
  patient_id text PRIMARY KEY,
  birth_earliest date,
  birth_latest date,
  deceased boolean NOT NULL,
  sex text,
  population_group text,
  cancer_type text,
  cancer_class text,
  stage_group smallint,
  ecog smallint,
  prior_lines smallint,
  er text,
  pr text,
  her2 text,
  msi text,
  tmb double precision,
  sequenced boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX trial_features_cancer_idx ON trial_patient_features (cancer_type, stage_group);
CREATE INDEX trial_features_class_idx ON trial_patient_features (cancer_class);
CREATE INDEX trial_features_birth_idx ON trial_patient_features (birth_latest);
CREATE INDEX trial_features_ecog_idx ON trial_patient_features (ecog);
CREATE INDEX trial_features_receptor_idx ON trial_patient_features (her2, er, pr);
CREATE INDEX trial_features_msi_idx ON trial_patient_features (msi);
CREATE INDEX trial_features_tmb_idx ON trial_patient_features (tmb);

-- The gene-level findings a genomic criterion asks about: protein-altering calls from stored VCFs
-- and variants reported in FHIR. NULL protein_change / exon / altering mean "not annotated".
CREATE TABLE trial_patient_variant (
  patient_id text NOT NULL REFERENCES trial_patient_features (patient_id) ON DELETE CASCADE,
  gene text NOT NULL,
  protein_change text,
  exon smallint,
  altering boolean
);

CREATE INDEX trial_variant_gene_protein_idx ON trial_patient_variant (gene, protein_change, patient_id);
CREATE INDEX trial_variant_gene_exon_idx ON trial_patient_variant (gene, exon, patient_id);
CREATE INDEX trial_variant_patient_idx ON trial_patient_variant (patient_id, gene);
