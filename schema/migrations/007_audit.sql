-- The audit log (IHE BALP AuditEvents): an append-only, SHA-256 hash-chained table.
-- Row n stores hash = sha256(prev_hash || canonical({seq, event})) and prev_hash = hash of row n-1;
-- row 1 links to the genesis value. The hash is computed in TypeScript (src/audit/chain-hash.ts);
-- the database only refuses changes, so `sangam audit verify` still catches tampering by someone
-- who drops these triggers first.
--
-- plpgsql bodies keep every ';' inside a line: the migration runner splits statements on a ';'
-- at the end of a line.

-- One row: the last appended (seq, hash). Appenders lock it (SELECT ... FOR UPDATE) so concurrent
-- appends queue up and still form one chain; verify compares it with the last row to catch a
-- truncated tail.
CREATE TABLE audit_chain_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  hash text NOT NULL
);

-- sha256('sangam/audit-chain/genesis/v1'), the GENESIS_HASH of src/audit/chain-hash.ts
INSERT INTO audit_chain_head (id, seq, hash)
VALUES (true, 0, 'dddc4df4363973bf0edf0881932475f42e94782770b2df52255a233f8a4ee72e');

-- `event` is the hashed content. The other columns copy fields of it for search; verify checks
-- that they still agree with the event, so editing them to hide a row from search is caught too.
CREATE TABLE audit_event (
  seq bigint PRIMARY KEY,
  prev_hash text NOT NULL,
  hash text NOT NULL UNIQUE,
  event jsonb NOT NULL,
  recorded timestamptz NOT NULL,
  action text NOT NULL,
  outcome smallint NOT NULL,
  patient_id text,
  client_id text NOT NULL,
  user_id text
);

CREATE INDEX audit_event_patient_idx ON audit_event (patient_id, seq) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_event_client_idx ON audit_event (client_id, seq);
CREATE INDEX audit_event_user_idx ON audit_event (user_id, seq) WHERE user_id IS NOT NULL;
CREATE INDEX audit_event_recorded_idx ON audit_event (recorded);

-- Refuses UPDATE, DELETE and TRUNCATE: the log only grows.
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END
$$;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- An insert must extend the head (next seq, links to the head's hash); it then becomes the head.
-- This is the only way the head moves, so a row cannot be slipped in anywhere but at the end.
CREATE FUNCTION audit_event_extend_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE head_seq bigint; head_hash text; BEGIN
  SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE id FOR UPDATE; IF head_seq IS NULL OR NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
    RAISE EXCEPTION 'audit_event % does not extend the chain head %', NEW.seq, head_seq USING ERRCODE = 'integrity_constraint_violation'; END IF; UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id; RETURN NEW; END
$$;

CREATE TRIGGER audit_event_extend_chain BEFORE INSERT ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_extend_chain();

-- The head moves only from inside the insert trigger above (trigger depth 2), never by hand.
CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF TG_OP = 'UPDATE' AND pg_trigger_depth() >= 2 THEN RETURN NEW; END IF; RAISE EXCEPTION 'the audit chain head moves only by appending: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END
$$;

CREATE TRIGGER audit_chain_head_guard BEFORE UPDATE OR DELETE ON audit_chain_head
FOR EACH ROW EXECUTE FUNCTION audit_head_guard();

CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
FOR EACH STATEMENT EXECUTE FUNCTION audit_head_guard();
