import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { getNamedType, GraphQLObjectType, isNonNullType, type GraphQLField } from 'graphql';
import { ROLES, type Role } from '../../src/auth/roles.ts';
import { getSchema } from '../../src/graphql/schema.ts';
import type { Database } from '../../src/storage/port.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';
import { ALLOWED } from './role-table.ts';

// One stored patient, one registered trial: every operation has something real to refuse or answer.
const BUNDLE = JSON.parse(readFileSync(new URL('../fixtures/fhir/TrialMatching_Patient01.json', import.meta.url), 'utf8'));
const PATIENT = 'mCODETrialMatchingPatientExample01';
const TRIAL = JSON.parse(readFileSync(new URL('../fixtures/trial-matching/NCT02513394.eligibility.json', import.meta.url), 'utf8')) as { trialId: string };
const VCF = '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n';

/** Values for every required argument name the schema uses. */
const ARGS: Record<string, unknown> = {
  id: PATIENT,
  patientId: PATIENT,
  trialId: TRIAL.trialId,
  reason: 'asked at the clinic',
  slideId: 'matrix-slide',
  // a lab result: within what both importing roles' default scopes grant (a lab may not write Patients)
  bundle: {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: { resourceType: 'Observation', id: 'matrix-obs', status: 'final', code: { text: 'matrix' }, subject: { reference: `Patient/${PATIENT}` } } }],
  },
  input: { patientId: PATIENT, therapy: { regimen: 'letrozole' }, line: 1, startDate: '2024-01-10' },
};

function selection(field: GraphQLField<unknown, unknown>): string {
  return getNamedType(field.type) instanceof GraphQLObjectType ? ' { __typename }' : '';
}

interface Call {
  name: string;
  /** the GraphQL document and its variables; File arguments travel as multipart uploads */
  document: string;
  variables: Record<string, unknown>;
  files: string[];
  /** who may call it, from the role table (a Patient field also needs Query.patient) */
  allowed: readonly Role[];
}

/** A call of `field` (on the root, or on the stored patient) with every required argument filled in. */
function callOf(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, onPatient: boolean): Call {
  const required = field.args.filter((a) => isNonNullType(a.type));
  const variables: Record<string, unknown> = {};
  const files: string[] = [];
  for (const a of required) {
    if (getNamedType(a.type).name === 'File') {
      files.push(a.name);
      variables[a.name] = String(a.type).startsWith('[') ? [null] : null;
    } else {
      assert.ok(a.name in ARGS, `the matrix has no value for argument ${a.name} of ${field.name}`);
      variables[a.name] = ARGS[a.name];
    }
  }
  const decl = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const call = `${field.name}${args ? `(${args})` : ''}${selection(field)}`;
  const name = onPatient ? `Patient.${field.name}` : `${kind === 'query' ? 'Query' : 'Mutation'}.${field.name}`;
  const document = onPatient
    ? `query${decl ? `(${decl})` : ''} { patient(id: "${PATIENT}") { ${call} } }`
    : `${kind}${decl ? `(${decl})` : ''} { ${call} }`;
  const own = ALLOWED[name];
  const allowed = onPatient ? (ALLOWED['Query.patient'] ?? []).filter((r) => own === undefined || own.includes(r)) : (own ?? []);
  return { name, document, variables, files, allowed };
}

/** Every root field, and every Patient field, of the schema the server runs. */
function allCalls(): Call[] {
  const schema = getSchema();
  const calls: Call[] = [];
  for (const f of Object.values(schema.getQueryType()!.getFields())) calls.push(callOf('query', f, false));
  for (const f of Object.values(schema.getMutationType()!.getFields())) calls.push(callOf('mutation', f, false));
  const patient = schema.getType('Patient') as GraphQLObjectType;
  for (const f of Object.values(patient.getFields())) calls.push(callOf('query', f, true));
  return calls;
}

async function send(site: ReturnType<typeof buildTestApp>, call: Call, authorization: string | undefined) {
  let req = request(site.app).post('/graphql');
  if (authorization) req = req.set('authorization', authorization);
  if (call.files.length === 0) return req.set('content-type', 'application/json').send({ query: call.document, variables: call.variables });
  // the GraphQL multipart request protocol: operations, a map of file parts to variables, the files
  const map: Record<string, string[]> = {};
  call.files.forEach((name, i) => (map[String(i)] = [`variables.${name}${Array.isArray(call.variables[name]) ? '.0' : ''}`]));
  req = req.set('graphql-preflight', '1').field('operations', JSON.stringify({ query: call.document, variables: call.variables })).field('map', JSON.stringify(map));
  call.files.forEach((_, i) => (req = req.attach(String(i), Buffer.from(VCF), 'matrix.vcf')));
  return req;
}

const codesOf = (body: { errors?: { extensions?: { code?: string } }[] }) => (body.errors ?? []).map((e) => e.extensions?.code);

for (const { name, open } of testDatabases()) {
  describe(`every GraphQL operation × every role on ${name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    before(async () => {
      db = await open();
      site = buildTestApp(db);
      await site.clinical.importBundle(BUNDLE, 'test');
      await site.trials.registerTrial({ eligibility: TRIAL });
    });
    after(() => db.close());

    const calls = allCalls();
    it('covers every root field and Patient field of the schema', () => {
      assert.ok(calls.length >= 25, `${calls.length} operations`);
      assert.ok(calls.some((c) => c.name === 'Query.eligiblePatients') && calls.some((c) => c.name === 'Patient.therapySuggestions'));
    });

    for (const call of calls) {
      it(`${call.name}: ${call.allowed.join(', ') || 'nobody'} only`, async () => {
        const unauthenticated = await send(site, call, undefined);
        assert.equal(unauthenticated.status, 401, 'no token');
        assert.match(String(unauthenticated.headers['www-authenticate']), /^Bearer realm="sangam"/);
        for (const role of ROLES) {
          const res = await send(site, call, await bearer(site, { role }));
          const codes = codesOf(res.body);
          if (call.allowed.includes(role)) {
            assert.ok(!codes.includes('FORBIDDEN') && !codes.includes('UNAUTHENTICATED'), `${role} was refused: ${JSON.stringify(res.body.errors)}`);
          } else {
            assert.ok(codes.includes('FORBIDDEN'), `${role} was not refused: ${JSON.stringify(res.body).slice(0, 300)}`);
            // nothing leaks next to the refusal: the refused field (and so the patient) is null
            const data = res.body.data as Record<string, unknown> | null | undefined;
            assert.ok(data == null || Object.values(data).every((v) => v === null || (call.name.startsWith('Patient.') && v !== null && Object.values(v as object).every((x) => x === null))), `${role} got data: ${JSON.stringify(data)}`);
            assert.doesNotMatch(JSON.stringify(res.body.data ?? null), /female|1965|letrozole/);
          }
        }
      });
    }

    // the REST routes, each as every role: allowed ones get past authorisation, the rest get 403 and no body
    const REST: { name: string; send: (auth: string) => request.Test }[] = [
      { name: 'POST /fhir', send: (a) => request(site.app).post('/fhir').set('authorization', a).set('content-type', 'application/fhir+json').send(JSON.stringify(ARGS.bundle)) },
      { name: 'GET /fhir/:type/:id', send: (a) => request(site.app).get(`/fhir/Patient/${PATIENT}`).set('authorization', a) },
      { name: 'POST /fhir/ResearchStudy/$match', send: (a) => request(site.app).post('/fhir/ResearchStudy/$match').set('authorization', a).set('content-type', 'application/fhir+json').send(JSON.stringify(BUNDLE)) },
      { name: 'GET /fhir/AuditEvent', send: (a) => request(site.app).get('/fhir/AuditEvent?_count=1').set('authorization', a) },
    ];
    for (const route of REST) {
      it(`${route.name}: ${(ALLOWED[route.name] ?? []).join(', ')} only`, async () => {
        for (const role of ROLES) {
          const res = await route.send(await bearer(site, { role }));
          if (ALLOWED[route.name]!.includes(role)) assert.ok(res.status < 400, `${role}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          else {
            assert.equal(res.status, 403, role);
            assert.equal(res.body.resourceType, 'OperationOutcome');
            assert.doesNotMatch(JSON.stringify(res.body), /female|1965|Bundle/);
          }
        }
      });
    }

    it('holds a patient-context token to its own patient', async () => {
      const own = await bearer(site, { role: 'clinician', patient: PATIENT });
      const mine = await request(site.app).post('/graphql').set('authorization', own).send({ query: `{ patient(id: "${PATIENT}") { id clinical { __typename } } }` });
      assert.equal(mine.body.data.patient.id, PATIENT);
      const other = await request(site.app).post('/graphql').set('authorization', own).send({ query: '{ patient(id: "cancer-86") { id } }' });
      assert.deepEqual(codesOf(other.body), ['FORBIDDEN']);
      const list = await request(site.app).post('/graphql').set('authorization', own).send({ query: '{ patients(first: 5) { totalCount } }' });
      assert.deepEqual(codesOf(list.body), ['FORBIDDEN']);
    });

    it('refuses a token signed by another key, an expired token, and a malformed header, with 401', async () => {
      const other = buildTestApp(db);
      const foreign = (await other.auth.mintToken({ role: 'ehr' })).token;
      // the two apps share the database, hence the site key: a token from a different key needs a different store
      const stranger = await (await import('jose')).generateKeyPair('ES384');
      const forged = await new (await import('jose')).SignJWT({ sangam_role: 'ehr', scope: 'system/*.rs' })
        .setProtectedHeader({ alg: 'ES384', kid: 'forged' })
        .setIssuer(site.authConfig.issuer)
        .setAudience(site.authConfig.audience)
        .setSubject('forger')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(stranger.privateKey);
      const expired = (await site.auth.mintToken({ role: 'ehr', now: new Date(Date.now() - 3 * 3600_000) })).token;
      const query = { query: '{ models { name } }' };
      assert.equal((await request(site.app).post('/graphql').set('authorization', `Bearer ${foreign}`).send(query)).status, 200, 'same site key, same issuer');
      for (const auth of [`Bearer ${forged}`, `Bearer ${expired}`, 'Basic dXNlcjpwYXNz', 'Bearer a b']) {
        const res = await request(site.app).post('/graphql').set('authorization', auth).send(query);
        assert.equal(res.status, 401, auth.slice(0, 20));
        assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
      }
    });
  });
}
