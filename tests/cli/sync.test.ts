import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/open-database.ts';
import { sangam } from '../helpers/cli.ts';
import { fixture } from '../helpers/fixtures.ts';
import { seedBundle, startFhirServer } from '../helpers/fhir-server.ts';

describe('sangam sync against a real FHIR server (Medplum router, in-process)', () => {
  let server: Awaited<ReturnType<typeof startFhirServer>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'sangam-sync-'));
  let synthea = '';
  before(async () => {
    server = await startFhirServer();
    const ids = await seedBundle(server.repo, fixture('fhir/synthea-cancer-patient-86-transaction-bundle.json'));
    synthea = ids.patientIds[0] ?? '';
    await seedBundle(server.repo, fixture('fhir/TrialMatching_Patient01.json'));
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('pulls one patient in pages of 10 and stores the whole record', async () => {
    const res = await sangam(['sync', '--fhir-url', server.baseUrl, '--patient', synthea, '--page-size', '10', '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /1 patients synced/);
    const db = await openDatabase({ dataDir });
    try {
      const r = await db.query<{ resource_type: string; n: number }>(
        'SELECT resource_type, count(*)::int AS n FROM fhir_resource WHERE patient_id = $1 GROUP BY resource_type ORDER BY resource_type',
        [synthea],
      );
      const counts = Object.fromEntries(r.rows.map((x) => [x.resource_type, x.n]));
      // counted by hand in the Synthea bundle: 65 Observations, 15 Conditions, 21 Procedures, 13 MedicationRequests,
      // 1 MedicationAdministration, 20 DiagnosticReports, 1 Specimen (sync reads these types only)
      assert.deepEqual(counts, { Condition: 15, DiagnosticReport: 20, MedicationAdministration: 1, MedicationRequest: 13, Observation: 65, Patient: 1, Procedure: 21, Specimen: 1 });
    } finally {
      await db.close();
    }
  });

  it('pulls every patient when no id is given, and reports an unknown patient clearly', async () => {
    const all = await sangam(['sync', '--fhir-url', server.baseUrl, '--data-dir', dataDir]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /2 patients synced/);
    const missing = await sangam(['sync', '--fhir-url', server.baseUrl, '--patient', 'nobody', '--data-dir', dataDir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Patient\/nobody/);
  });
});
