import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bgzip } from '../../src/cohort/bgzf.ts';
import { generateSitePatients } from '../../src/cohort/generate.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { writeVcf } from '../../src/cohort/vcf-writer.ts';
import { readVcf } from '../../src/genomics/read-vcf.ts';

/**
 * The cohort generator (its own hotspot table and TMB count) and the VCF reader were written
 * separately; on generated CSQ and ANN files they must agree call by call.
 */

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

for (const annotation of ['CSQ', 'ANN'] as const) {
  describe(`generated ${annotation} VCFs`, () => {
    it('read back with the planted hotspots, allele fractions and the generator TMB', async () => {
      const profile = builtInProfiles().find((p) => p.annotation === annotation) ?? builtInProfiles()[0]!;
      const site = generateSitePatients({ ...profile, annotation }, 60, 5);
      const sequenced = site.patients.filter((p) => p.calls);
      assert.ok(sequenced.length >= 5);
      let hotspots = 0;
      for (const p of sequenced) {
        const calls = p.calls!;
        const text = writeVcf(calls, { annotation, tumorSample: `${p.biology.id}-T`, normalSample: `${p.biology.id}-N`, fileDate: '2026-01-01' });
        const set = await readVcf(once(bgzip(text)), { fileName: `${p.biology.id}.vcf.gz` });
        assert.equal(set.annotation, annotation === 'CSQ' ? 'vep' : 'snpeff');
        assert.equal(set.tumourSample, `${p.biology.id}-T`);
        const pass = calls.filter((c) => c.filter === 'PASS');
        assert.equal(set.stats.kept, pass.length);
        assert.ok(!('unavailable' in set.tmb));
        assert.equal(set.tmb.count, p.tmb?.count, p.biology.id);
        const planted = pass.filter((c) => c.hotspot).map((c) => c.hotspot).sort();
        assert.deepEqual(set.calls.filter((c) => c.hotspot).map((c) => c.hotspot).sort(), planted);
        hotspots += planted.length;
        for (const [i, c] of pass.entries()) {
          const read = set.calls[i]!;
          assert.equal(read.vaf, c.altCount / c.depth);
          assert.equal(read.gene, c.gene);
        }
      }
      assert.ok(hotspots > 0, 'no hotspot was planted in this sample');
    });
  });
}
