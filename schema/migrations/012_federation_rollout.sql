-- Rollout from the coordinator (issue 6, point 7). A lineage can start from a shipped model: its
-- card and ONNX bytes are kept with the lineage, and every version the lineage publishes is
-- exported to ONNX with its model card and the coordinator's Ed25519 signature over both
-- (src/federation/rollout/version-signature.ts), so a site can verify, test and install it.
-- Lineages made from bare weights keep these columns null and publish weights only.

ALTER TABLE federation_lineage ADD COLUMN base_card jsonb;

ALTER TABLE federation_lineage ADD COLUMN base_onnx bytea;

ALTER TABLE federation_version ADD COLUMN onnx bytea;

ALTER TABLE federation_version ADD COLUMN card jsonb;

ALTER TABLE federation_version ADD COLUMN model_signature text;
