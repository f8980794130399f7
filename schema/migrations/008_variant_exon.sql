-- The annotated exon of the chosen consequence ("19/28", VEP EXON or snpEff rank/total), so that
-- exon-level evidence ("EGFR Exon 19 Deletion") can be matched against stored variants.
ALTER TABLE somatic_variant ADD COLUMN exon text;
