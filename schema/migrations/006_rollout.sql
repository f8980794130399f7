-- Rollout and consent at a site. Every model version keeps its bytes (models are kilobytes), so a
-- site can roll back to any version it served and restore a rolled-out version after a restart;
-- rolled_back_at marks a version taken out of service, which restarts and later rollbacks skip.
-- consent_withdrawal holds withdrawals recorded at the site itself (not through a FHIR Consent).

ALTER TABLE model_version ADD COLUMN onnx bytea;

ALTER TABLE model_version ADD COLUMN rolled_back_at timestamptz;

CREATE TABLE consent_withdrawal (
  id bigserial PRIMARY KEY,
  patient_id text NOT NULL,
  reason text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX consent_withdrawal_recorded_idx ON consent_withdrawal (recorded_at, patient_id);
