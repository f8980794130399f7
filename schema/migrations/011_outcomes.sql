-- Outcomes recorded for a line of therapy (src/outcomes): the facts as reported, the FHIR resources
-- they were written as, and the training labels derived from them (objective response, and PFS and
-- OS in days from the line's start with an event flag). One row per patient and line: recording a
-- line again replaces its row. The survival columns of all a patient's rows are recomputed whenever
-- one of them changes, since a death or a later follow-up changes every line's survival.

CREATE TABLE treatment_outcome (
  patient_id text NOT NULL,
  line integer NOT NULL CHECK (line >= 1),
  -- the formulary regimen when the drugs are exactly one, else null
  regimen text,
  therapy_name text NOT NULL,
  rxnorm text[] NOT NULL,
  start_date date NOT NULL,
  best_response text CHECK (best_response IN ('CR', 'PR', 'SD', 'PD')),
  response_date date,
  progression_date date,
  death_date date,
  last_follow_up date,
  -- null: not stated. {"followed": false}: no suggestion followed. Else the suggestion.
  followed_suggestion jsonb,
  -- 1 for CR or PR, 0 for SD or PD, null without an assessment
  response_label smallint CHECK (response_label IN (0, 1)),
  pfs_days integer NOT NULL CHECK (pfs_days >= 0),
  pfs_event smallint NOT NULL CHECK (pfs_event IN (0, 1)),
  os_days integer NOT NULL CHECK (os_days >= 0),
  os_event smallint NOT NULL CHECK (os_event IN (0, 1)),
  -- Type/id of every resource the record wrote
  resource_ids text[] NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (patient_id, line),
  CHECK ((best_response IS NULL) = (response_date IS NULL))
);
