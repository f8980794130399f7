import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { generateCohortInMemory } from '../../src/cohort/generate.ts';
import { bgzip } from '../../src/cohort/bgzf.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { writeVcf } from '../../src/cohort/vcf-writer.ts';
import { HOTSPOTS } from '../../src/cohort/hotspots.ts';
import type { DomainError } from '../../src/errors/domain-error.ts';
import { readVariants } from '../../src/genomics/variant-store.ts';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp, gql, bearer } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

/**
 * VCF import through the service and the GraphQL API on both databases: calls, TMB and their FHIR
 * observations land together, a re-import replaces the specimen, and a rejected file leaves
 * everything as it was.
 */

const FIXTURES = new URL('../fixtures/vcf/', import.meta.url);
const fixtureBytes = (name: string) => readFileSync(new URL(name, FIXTURES));

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

const PATIENT_GENOMICS = `query($id: ID!) {
  patient(id: $id) {
    variants { gene proteinChange consequence vaf depth hotspot specimenId }
    tmb { value method count targetMb specimenId }
    variantCallSets { specimenId annotation build tumorSample fileName }
    clinical { variants { gene hgvsProtein source { id } } tumorMarkers { marker quantity { value } source { id } } }
  }
}`;

const UPLOAD = `mutation($patientId: ID!, $file: File!, $specimenId: String, $build: GenomeBuild) {
  importVariants(patientId: $patientId, file: $file, specimenId: $specimenId, build: $build) {
    callSetId specimenId build annotation kept reportedObservations withdrawnObservations tmb { value count method } tmbUnavailable
  }
}`;

/** A generated colorectal or lung patient who was sequenced and carries a hotspot, with their Bundle and VCF. */
function sequencedPatient() {
  const [site] = generateCohortInMemory({ sites: 1, patientsPerSite: 40, seed: 11, profiles: [builtInProfiles()[0]!] });
  const p = site!.patients.find((x) => x.calls?.some((c) => c.hotspot && c.filter === 'PASS'));
  assert.ok(p?.calls && p.tmb);
  const vcf = bgzip(writeVcf(p.calls, { annotation: 'CSQ', tumorSample: `${p.biology.id}-T`, normalSample: `${p.biology.id}-N`, fileDate: '2026-01-01' }));
  return { patient: p, vcf };
}

for (const target of testDatabases()) {
  describe(`variant import on ${target.name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    const { patient, vcf } = sequencedPatient();
    const id = patient.biology.id;

    before(async () => {
      db = await target.open();
      site = buildTestApp(db);
      await site.clinical.importBundle(patient.bundle, 'test');
    });
    after(() => db.close());

    it('stores the calls, TMB and observations of a generated VCF, matching the generator truth', async () => {
      const result = await site.genomics.importVariants(once(vcf), { patientId: id, specimenId: 'tumour-1', fileName: `${id}.vcf.gz`, source: 'test' });
      assert.equal(result.build, 'GRCh38');
      assert.equal(result.annotation, 'vep');
      assert.ok(!('unavailable' in result.tmb));
      // the generator's own count (truth) of PASS coding_and_silent calls
      assert.equal(result.tmb.count, patient.tmb?.count);
      const hotspots = patient.calls!.filter((c) => c.hotspot && c.filter === 'PASS').map((c) => c.hotspot as string).sort();

      const res = await gql(site, PATIENT_GENOMICS, { id });
      assert.equal(res.status, 200, JSON.stringify(res.body.errors));
      const p = res.body.data.patient;
      assert.equal(p.variants.length, patient.calls!.filter((c) => c.filter === 'PASS').length);
      assert.deepEqual(p.variants.filter((v: { hotspot: string | null }) => v.hotspot).map((v: { hotspot: string }) => v.hotspot).sort(), hotspots);
      assert.deepEqual(p.tmb, { value: patient.tmb!.count / 34, method: 'coding_and_silent', count: patient.tmb!.count, targetMb: 34, specimenId: 'tumour-1' });
      assert.deepEqual(p.variantCallSets.map((c: { specimenId: string }) => c.specimenId), ['tumour-1']);
      // each hotspot keeps the exon its CSQ carried (the generator writes each hotspot's exon from src/cohort/hotspots.ts)
      const stored = await readVariants(db, id);
      const exonOf: Record<string, string> = Object.fromEntries(Object.entries(HOTSPOTS).map(([key, h]) => [key, h.exon]));
      assert.ok(stored.some((s) => s.hotspot));
      for (const v of stored.filter((s) => s.hotspot)) assert.equal(v.exon, exonOf[v.hotspot as string], v.hotspot as string);
      // the FHIR record gained one GenomicVariant observation per reportable call, which the clinical summary reads
      const observations = await site.clinical.resources(id, 'Observation');
      const fromVcf = observations.filter((o) => o.id.startsWith('gv-'));
      assert.equal(fromVcf.length, result.reported - 1);
      const summaryVariants = p.clinical.variants.filter((v: { source: { id: string } }) => v.source.id.startsWith('gv-'));
      assert.equal(summaryVariants.length, fromVcf.length);
      assert.ok(p.clinical.tumorMarkers.some((m: { marker: string; source: { id: string } }) => m.marker === 'TMB' && m.source.id.startsWith('tmb-')));
      // gene-level features for models: the planted hotspots' genes are mutated, with their keys, and TMB is carried
      const features = await site.genomics.geneFeatures(id);
      assert.equal(features.sequenced, true);
      assert.equal(features.tmb, patient.tmb!.count / 34);
      for (const key of hotspots) {
        const gene = key.split('_')[0] as keyof typeof features.genes;
        if (features.genes[gene]) {
          assert.equal(features.genes[gene].mutated, true, key);
          assert.ok(features.genes[gene].hotspots.includes(key), key);
        }
      }
      // the generator plants no ALK or MET alterations
      assert.equal(features.genes.ALK.mutated, false);
      assert.equal(features.genes.MET.mutated, false);
    });

    it('refuses a broken file for the same specimen and leaves the stored import untouched', async () => {
      const before = await gql(site, PATIENT_GENOMICS, { id });
      const resourcesBefore = await site.clinical.resourceCounts(id);
      const broken = Buffer.from(fixtureBytes('vcf2maf_test_b38.vcf').toString('utf8').replace('34792478', 'x'));
      await assert.rejects(
        site.genomics.importVariants(once(broken), { patientId: id, specimenId: 'tumour-1', fileName: 'broken.vcf', source: 'test' }),
        /broken\.vcf: 1 malformed line; nothing was stored/,
      );
      await assert.rejects(
        site.genomics.importVariants(once(fixtureBytes('pcgr_T001-COAD.grch38.vcf.gz').subarray(0, 30_000)), { patientId: id, specimenId: 'tumour-1', fileName: 'cut.vcf.gz', source: 'test' }),
        /truncated/,
      );
      assert.deepEqual((await gql(site, PATIENT_GENOMICS, { id })).body, before.body);
      assert.deepEqual(await site.clinical.resourceCounts(id), resourcesBefore);
    });

    it('uploads through GraphQL multipart, and a re-import of the specimen replaces it and withdraws stale observations', async () => {
      const upload = await request(site.app).post('/graphql').set('authorization', await bearer(site, { role: 'lab' }))
        .field('operations', JSON.stringify({ query: UPLOAD, variables: { patientId: id, file: null, specimenId: 'tumour-1', build: 'GRCh38' } }))
        .field('map', JSON.stringify({ 0: ['variables.file'] }))
        .attach('0', fixtureBytes('vcf2maf_test_b38.vcf'), 'vcf2maf_test_b38.vcf');
      assert.equal(upload.status, 200, upload.text);
      const r = upload.body.data.importVariants;
      assert.equal(r.kept, 25);
      assert.equal(r.annotation, 'none');
      assert.equal(r.tmb, null);
      assert.match(r.tmbUnavailable, /no consequence annotations/);
      assert.equal(r.reportedObservations, 0);
      const previouslyReported = (await site.clinical.resources(id, 'Observation')).filter((o) => o.id.startsWith('gv-') || o.id.startsWith('tmb-'));
      assert.equal(r.withdrawnObservations, previouslyReported.length);
      for (const o of previouslyReported) assert.equal((o.content as { status: string }).status, 'entered-in-error');

      const after = (await gql(site, PATIENT_GENOMICS, { id })).body.data.patient;
      assert.equal(after.variants.length, 25);
      assert.equal(after.tmb, null);
      assert.equal(after.clinical.variants.filter((v: { source: { id: string } }) => v.source.id.startsWith('gv-')).length, 0);
    });

    it('answers GraphQL upload errors with the line and a BAD_INPUT code, and an unknown patient with NOT_FOUND', async () => {
      const bad = await request(site.app).post('/graphql').set('authorization', await bearer(site, { role: 'lab' }))
        .field('operations', JSON.stringify({ query: UPLOAD, variables: { patientId: id, file: null } }))
        .field('map', JSON.stringify({ 0: ['variables.file'] }))
        .attach('0', Buffer.from('21\t1\t.\tA\tC\t.\t.\t.\n'), 'nohead.vcf');
      const err = bad.body.errors?.[0];
      assert.equal(err?.extensions?.code, 'BAD_INPUT');
      assert.match(err?.message, /nohead\.vcf: line 1: not a VCF/);
      const missing = await request(site.app).post('/graphql').set('authorization', await bearer(site, { role: 'lab' }))
        .field('operations', JSON.stringify({ query: UPLOAD, variables: { patientId: 'nobody', file: null } }))
        .field('map', JSON.stringify({ 0: ['variables.file'] }))
        .attach('0', fixtureBytes('vcf2maf_test_b38.vcf'), 'b38.vcf');
      assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      assert.ok(!site.logs.text().includes(patient.biology.birthDate), 'birth date in the log');
    });

    it('stores POS, DP and AD at the int limit and refuses one past it as BAD_INPUT with the line, not a failed insert', async () => {
      const b38 = fixtureBytes('vcf2maf_test_b38.vcf').toString('utf8');
      const record = '21\t38400606\t.\tG\tT\t.\t.\t.\tGT:AD:DP\t0/1:190,153:343\t0/0:507,0:507';
      assert.ok(b38.includes(record));
      const atLimit = b38.replace(record, '21\t2147483647\t.\tG\tT\t.\t.\t.\tGT:AD:DP\t0/1:190,2147483647:2147483647\t0/0:507,0:507');
      await site.genomics.importVariants(once(Buffer.from(atLimit)), { patientId: id, specimenId: 'int-limit', fileName: 'limit.vcf', source: 'test', build: 'GRCh38' });
      const stored = (await readVariants(db, id)).find((v) => v.specimenId === 'int-limit' && v.line === 17);
      assert.deepEqual([stored?.pos, stored?.depth, stored?.altDepth], [2147483647, 2147483647, 2147483647]);
      const before = await readVariants(db, id);
      // the fuzzer's record: POS one past the limit
      const past = b38.replace(record, '21\t2147483648\t.\tG\tT\t.\t.\t.\tGT:AD:DP\t0/1:190,153:343\t0/0:507,0:507');
      await assert.rejects(
        site.genomics.importVariants(once(Buffer.from(past)), { patientId: id, specimenId: 'int-limit', fileName: 'past.vcf', source: 'test', build: 'GRCh38' }),
        (err: DomainError) => err.code === 'BAD_INPUT' && /past\.vcf: 1 malformed line/.test(err.message) && err.issues[0]?.line === 17 && /POS 2147483648 is above 2147483647/.test(err.issues[0]?.message ?? ''),
      );
      assert.deepEqual(await readVariants(db, id), before);
    });
  });
}
