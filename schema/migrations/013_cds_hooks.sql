-- CDS Hooks (src/cds-hooks/): the cards this site issued, the feedback EHRs sent about them, and the
-- replay cache of the EHRs' authentication JWTs. Feedback is the label source for "did the
-- oncologist follow the suggestion" in the federated loop; it is joined to the issued card by uuid.
-- Imported prefetch data is never stored here: only what Sangam itself said, and to whom.

-- One row per card returned. `suggestions` holds each suggestion's uuid, label and the regimen or
-- drug it proposes, so feedback naming a suggestion uuid reads back as a therapy.
CREATE TABLE cds_card (
  card_uuid uuid PRIMARY KEY,
  service_id text NOT NULL,
  hook text NOT NULL,
  hook_instance text NOT NULL,
  -- the FHIR id of the patient in the EHR (the site's patient id when the record is stored here)
  patient_id text NOT NULL,
  -- prognosis, therapy, trials, resistance, low-response
  kind text NOT NULL,
  indicator text NOT NULL CHECK (indicator IN ('info', 'warning', 'critical')),
  summary text NOT NULL,
  suggestions jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- model versions and the knowledge base behind the card
  provenance jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- whether the patient's record is stored at this site (else it was computed from the EHR's data)
  stored_record boolean NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cds_card_patient_idx ON cds_card (patient_id, issued_at);

-- One row per feedback item (https://cds-hooks.hl7.org/2.0/#feedback). The card may be unknown
-- (issued by another deployment, or purged); the row is kept and reads back without a patient.
CREATE TABLE cds_feedback (
  id bigserial PRIMARY KEY,
  service_id text NOT NULL,
  card_uuid text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
  accepted_suggestions text[] NOT NULL DEFAULT '{}',
  override_reason jsonb,
  override_comment text,
  outcome_timestamp timestamptz NOT NULL,
  -- the authenticated EHR (JWT iss) that reported it, when authentication is on
  reported_by text,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (service_id, card_uuid, outcome, outcome_timestamp)
);

CREATE INDEX cds_feedback_card_idx ON cds_feedback (card_uuid);
CREATE INDEX cds_feedback_time_idx ON cds_feedback (outcome_timestamp);

-- Every accepted EHR JWT's jti per issuer, kept until the token has expired (plus clock skew), so a
-- captured token is refused on replay even after a restart or by a second process.
CREATE TABLE cds_jwt_jti (
  iss text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (iss, jti)
);

CREATE INDEX cds_jwt_jti_expiry_idx ON cds_jwt_jti (expires_at);
