-- Authentication (src/auth/): SMART Backend Services clients, the client-assertion replay cache
-- and the site's own token-signing key.

-- Clients registered for the client_credentials grant with private_key_jwt
-- (https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html#registering-a-client-communicating-public-keys).
-- A client has exactly one key source: a JWKS URL (preferred: the client rotates its own keys) or
-- an inline public JWK Set. `scopes` are the SMART v2 scopes the client is pre-authorised for.
CREATE TABLE auth_client (
  client_id text PRIMARY KEY,
  role text NOT NULL,
  scopes text NOT NULL,
  jwks jsonb,
  jwks_uri text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT auth_client_one_key_source CHECK ((jwks IS NULL) <> (jwks_uri IS NULL))
);

-- Every accepted assertion's jti, kept until the assertion itself has expired (plus clock skew):
-- SMART asks that a jti be refused if seen before for the same iss. It lives in the database, not
-- in memory, so a restart (or a second process) keeps refusing a captured assertion.
CREATE TABLE auth_assertion_jti (
  client_id text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);

CREATE INDEX auth_assertion_jti_expiry_idx ON auth_assertion_jti (expires_at);

-- The site's ES384 key pair that signs access tokens (token endpoint and local tokens). It is
-- generated on first start; one row is active, retired keys stay so tokens they signed can be
-- explained during an investigation.
CREATE TABLE auth_site_key (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

-- at most one active key, so two processes starting together cannot both create one
CREATE UNIQUE INDEX auth_site_key_one_active ON auth_site_key ((retired_at IS NULL)) WHERE retired_at IS NULL;
