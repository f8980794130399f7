-- Federated training. Coordinator tables start with federation_, a site's own with site_; one
-- process may be either or both. Times the protocol reasons about (deadlines, nonce expiry) are
-- written from the coordinator's injectable clock, not now(), so tests can move time.

CREATE TABLE federation (
  id text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A site's Ed25519 public key is its identity: raw 32 bytes, base64.
CREATE TABLE federation_site (
  federation_id text NOT NULL REFERENCES federation (id),
  site_id text NOT NULL,
  public_key text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  registered_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  PRIMARY KEY (federation_id, site_id)
);

-- A model trained by the federation: its family, the order of its parameter tensors, and the
-- server strategy's state (FedOpt moments, round counter) carried from round to round.
CREATE TABLE federation_lineage (
  id text PRIMARY KEY,
  federation_id text NOT NULL REFERENCES federation (id),
  family text NOT NULL,
  parameter_layout jsonb NOT NULL,
  parameter_count integer NOT NULL CHECK (parameter_count > 0),
  strategy_state jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE federation_version (
  lineage_id text NOT NULL REFERENCES federation_lineage (id),
  version integer NOT NULL CHECK (version >= 0),
  round_id text,
  weights bytea NOT NULL,
  sha256 text NOT NULL,
  -- the aggregate the strategy started from (example-weighted mean delta); null for version 0
  mean_delta bytea,
  manifest jsonb NOT NULL,
  signature text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (lineage_id, version)
);

CREATE TABLE federation_round (
  id text PRIMARY KEY,
  federation_id text NOT NULL REFERENCES federation (id),
  lineage_id text NOT NULL REFERENCES federation_lineage (id),
  base_version integer NOT NULL,
  strategy jsonb NOT NULL,
  local_steps integer NOT NULL,
  learning_rate double precision NOT NULL,
  batch_size integer NOT NULL,
  mu double precision,
  dp jsonb,
  secagg boolean NOT NULL,
  -- secure aggregation: the coordinator's protocol state, relayed deliveries and unmask request
  secagg_state jsonb,
  stage_deadline timestamptz,
  quorum integer NOT NULL CHECK (quorum >= 1),
  target integer NOT NULL,
  max_delta_norm double precision,
  max_num_examples integer,
  invited jsonb NOT NULL,
  deadline timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'aggregating', 'closed', 'failed')),
  failure text,
  result_version integer,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz
);

-- One live round per federation: a site polling for work must get one answer.
CREATE UNIQUE INDEX federation_round_live ON federation_round (federation_id) WHERE state IN ('open', 'aggregating');

-- One outcome per site and round: an accepted plain update, or a refusal to take part.
CREATE TABLE federation_submission (
  round_id text NOT NULL REFERENCES federation_round (id),
  site_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('update', 'declined')),
  update_sha256 text,
  delta bytea,
  num_examples integer,
  privacy jsonb,
  decline_reason text,
  receipt jsonb NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (round_id, site_id)
);

CREATE TABLE federation_secagg_message (
  round_id text NOT NULL REFERENCES federation_round (id),
  site_id text NOT NULL,
  step text NOT NULL CHECK (step IN ('keys', 'shares', 'masked', 'unmask')),
  body jsonb NOT NULL,
  body_sha256 text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (round_id, site_id, step)
);

-- Nonces seen within the clock-skew window; older ones are refused by their timestamp anyway.
CREATE TABLE federation_nonce (
  federation_id text NOT NULL,
  site_id text NOT NULL,
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (federation_id, site_id, nonce)
);

CREATE INDEX federation_nonce_expiry ON federation_nonce (expires_at);

-- Site side: the privacy ledger, each round's trained update and secure-aggregation state (kept so
-- a crash neither retrains nor re-masks), and the verified versions received.
CREATE TABLE site_federation_ledger (
  federation_id text PRIMARY KEY,
  ledger jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE site_federation_round (
  federation_id text NOT NULL,
  round_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'submitted', 'declined')),
  delta bytea,
  num_examples integer,
  privacy jsonb,
  receipt jsonb,
  secagg jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (federation_id, round_id)
);

CREATE TABLE site_federation_version (
  federation_id text NOT NULL,
  lineage_id text NOT NULL,
  version integer NOT NULL,
  weights bytea NOT NULL,
  manifest jsonb NOT NULL,
  signature text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (federation_id, lineage_id, version)
);
