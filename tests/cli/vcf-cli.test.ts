import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/open-database.ts';
import { sangam, startServe, tempDirs } from '../helpers/cli.ts';

const FHIR = new URL('../fixtures/fhir/TrialMatching_Patient01.json', import.meta.url).pathname;
const VCF = (name: string) => new URL(`../fixtures/vcf/${name}`, import.meta.url).pathname;
const PATIENT = 'mCODETrialMatchingPatientExample01';

const tempDir = tempDirs('sangam-vcf-cli-');

async function callSets(dataDir: string): Promise<{ specimen_id: string; annotation: string; tmb_count: number | null }[]> {
  const db = await openDatabase({ dataDir });
  try {
    return (await db.query<{ specimen_id: string; annotation: string; tmb_count: number | null }>('SELECT specimen_id, annotation, tmb_count FROM variant_call_set ORDER BY specimen_id')).rows;
  } finally {
    await db.close();
  }
}

describe('sangam import vcf', () => {
  it('imports a VEP-annotated VCF into a data directory with a progress bar and a summary', async () => {
    const dataDir = tempDir();
    assert.equal((await sangam(['import', 'fhir', FHIR, '--data-dir', dataDir])).code, 0);
    const res = await sangam(['import', 'vcf', '--patient', PATIENT, '--specimen', 'liver-1', VCF('phyloflow_A25_HCC.mutect2.filtered.snp.VEP106_CSQ.grch37.vcf'), '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /421 calls kept of 1445 alleles in 1428 records \(1024 filtered out/);
    assert.match(res.stdout, /GRCh37, annotation vep, tumour column A25/);
    assert.match(res.stdout, /TMB 8\.03 mutations\/Mb \(coding_and_silent: 273 variants \/ 34 Mb\)/);
    assert.match(res.stderr, /\[#{30}\] 100%/);
    assert.deepEqual(await callSets(dataDir), [{ specimen_id: 'liver-1', annotation: 'vep', tmb_count: 273 }]);
  });

  it('exits 1 with the line of a malformed record and stores nothing; bad options exit before reading', async () => {
    const dataDir = tempDir();
    assert.equal((await sangam(['import', 'fhir', FHIR, '--data-dir', dataDir])).code, 0);
    const noBuild = await sangam(['import', 'vcf', '--patient', PATIENT, VCF('vcf2maf_test_strelka.grch37.vcf'), '--data-dir', dataDir]);
    assert.equal(noBuild.code, 1);
    assert.match(noBuild.stderr, /does not say which genome build/);
    const badBuild = await sangam(['import', 'vcf', '--patient', PATIENT, '--build', 'hg19', VCF('vcf2maf_test_strelka.grch37.vcf'), '--data-dir', dataDir]);
    assert.match(badBuild.stderr, /--build must be GRCh37 or GRCh38/);
    const unknown = await sangam(['import', 'vcf', '--patient', 'nobody', VCF('vcf2maf_test_b38.vcf'), '--data-dir', dataDir]);
    assert.match(unknown.stderr, /Patient\/nobody is not stored at this site/);
    assert.deepEqual(await callSets(dataDir), []);
  });

  it('sends the file to a running site through GraphQL multipart when the site holds the data directory', async () => {
    const dataDir = tempDir();
    assert.equal((await sangam(['import', 'fhir', FHIR, '--data-dir', dataDir])).code, 0);
    const server = await startServe(['--data-dir', dataDir]);
    try {
      const res = await sangam(['import', 'vcf', '--patient', PATIENT, '--build', 'GRCh37', '--specimen', 's1', VCF('vcf2maf_test_strelka.grch37.vcf'), '--data-dir', dataDir]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /sending through its API/);
      assert.match(res.stdout, /240 calls kept/);
      assert.match(res.stdout, /TMB not computed: the VCF carries no consequence annotations/);
    } finally {
      await server.stop();
    }
    assert.deepEqual(await callSets(dataDir), [{ specimen_id: 's1', annotation: 'none', tmb_count: null }]);
  });
});
