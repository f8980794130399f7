import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startSite } from '../../src/main.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { gql } from '../helpers/app.ts';
import { patientIds, sangam, tempDirs } from '../helpers/cli.ts';
import { CCRR_RESOURCES, FHIR_BUNDLES } from '../helpers/fixtures.ts';

const FIXTURES = new URL('../fixtures/fhir/', import.meta.url).pathname;

const tempDir = tempDirs('sangam-cli-');

const ALL_PATIENTS = ['1e208b6b-77f1-4808-a32b-9f9caf1ec334', 'cancer-86', 'cancer-patient-jane-anyperson', 'mCODETrialMatchingPatientExample01', 'mCODETrialMatchingPatientExample02'];

describe('sangam import fhir', () => {
  it('imports a directory of fixture files into the data directory', async () => {
    const dataDir = tempDir();
    const input = tempDir();
    for (const file of FHIR_BUNDLES) cpSync(new URL(`../fixtures/${file}`, import.meta.url), join(input, file.slice('fhir/'.length)));
    const res = await sangam(['import', 'fhir', input, '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /5 of 5 files imported into the data directory/);
    assert.match(res.stdout, /synthea-cancer-patient-86-transaction-bundle\.json: 268 resources \(268 created/);
    assert.deepEqual(await patientIds(dataDir), ALL_PATIENTS);
    // each file's import is on the audit log, one event per patient it wrote, by the operator's account
    const db = await openDatabase({ dataDir });
    try {
      const r = await db.query<{ patient_id: string; client_id: string; action: string }>("SELECT patient_id, client_id, action FROM audit_event WHERE event->'operation'->>'channel' = 'cli' ORDER BY patient_id");
      assert.deepEqual(r.rows.map((x) => x.patient_id), ALL_PATIENTS);
      assert.ok(r.rows.every((x) => x.action === 'C' && x.client_id.startsWith('cli:')));
    } finally {
      await db.close();
    }
  });

  it('imports the CCRR single-resource files', async () => {
    const dataDir = tempDir();
    const input = tempDir();
    for (const file of CCRR_RESOURCES) cpSync(new URL(`../fixtures/${file}`, import.meta.url), join(input, file.slice('fhir/'.length)));
    const res = await sangam(['import', 'fhir', input, '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /7 of 7 files imported/);
    assert.match(res.stdout, /Patient\/example is not stored at this site yet/);
  });

  it('reports a bad file by name and entry, imports the good ones, and exits 1', async () => {
    const dataDir = tempDir();
    const input = tempDir();
    cpSync(join(FIXTURES, 'eom-patient-bundle-jane-anyperson.json'), join(input, 'a-good.json'));
    writeFileSync(
      join(input, 'b-bad.json'),
      JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'bad-1' } }, { resource: { resourceType: 'Nonsense' } }] }),
    );
    writeFileSync(join(input, 'c-junk.json'), '{"resourceType": "Bundle", ');
    const res = await sangam(['import', 'fhir', input, '--data-dir', dataDir]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /b-bad\.json: Bundle rejected: 1 problem; nothing was stored/);
    assert.match(res.stderr, /Bundle\.entry\[1\]\.resource\.resourceType: unknown resourceType "Nonsense"/);
    assert.match(res.stderr, /c-junk\.json: not valid JSON/);
    assert.match(res.stdout, /1 of 3 files imported/);
    assert.deepEqual(await patientIds(dataDir), ['cancer-patient-jane-anyperson']);
  });

  it('goes through the API of a running site that holds the data directory, or one named by --url', async () => {
    const dataDir = tempDir();
    const config = loadConfig({}, { env: 'test', port: 0, dataDir });
    const site = await startSite(config, createLogger({ level: 'silent' }));
    try {
      const viaLock = await sangam(['import', 'fhir', join(FIXTURES, 'TrialMatching_Patient01.json'), '--data-dir', dataDir]);
      assert.equal(viaLock.code, 0, viaLock.stderr);
      assert.match(viaLock.stdout, /holds .*; sending through its API at http:\/\/127\.0\.0\.1:\d+/);
      assert.match(viaLock.stdout, /18 resources \(18 created, 0 updated, 0 unchanged\); patients: mCODETrialMatchingPatientExample01/);
      // a site named by URL is a site like any other: without a token it refuses
      const anonymous = await sangam(['import', 'fhir', join(FIXTURES, 'TrialMatching_Patient02.json'), '--url', site.url]);
      assert.equal(anonymous.code, 1);
      assert.match(anonymous.stderr, /needs a bearer token/);
      const token = await sangam(['auth', 'token', '--role', 'ehr', '--data-dir', dataDir]);
      assert.equal(token.code, 0, token.stderr);
      assert.match(token.stderr, /^ehr token, scopes "system\/\*\.crus", valid until /);
      const viaUrl = await sangam(['import', 'fhir', join(FIXTURES, 'TrialMatching_Patient02.json'), '--url', site.url], { SANGAM_TOKEN: token.stdout.trim() });
      assert.equal(viaUrl.code, 0, viaUrl.stderr);
      assert.match(viaUrl.stdout, /imported into the site at http/);
      const res = await gql(site, '{ patients(first: 10) { totalCount } }');
      assert.equal(res.body.data.patients.totalCount, 2);
    } finally {
      await site.close();
    }
  });
});

