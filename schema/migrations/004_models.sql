-- Model versions this site has loaded or been given, newest activation last: the registry's history.

CREATE TABLE model_version (
  name text NOT NULL,
  version text NOT NULL,
  sha256 text NOT NULL,
  task text NOT NULL,
  card jsonb NOT NULL,
  source text NOT NULL,
  first_loaded_at timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);
