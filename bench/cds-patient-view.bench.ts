// CDS Hooks patient-view: p50/p95 latency of one hook call through express (JWT verified, the
// stored record read, prognosis + therapy + trials computed with warm models, cards stored) against
// a bare express JSON endpoint answering `{cards: []}` over the same HTTP stack in the same run.
// Goal: patient-view p95 <= 50 ms. Requests are sequential, so the figures are latencies, not throughput.
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createServices } from '../src/app.ts';
import { bgzip } from '../src/cohort/bgzf.ts';
import { generateSitePatients } from '../src/cohort/generate.ts';
import { builtInProfiles } from '../src/cohort/profiles.ts';
import { writeVcf } from '../src/cohort/vcf-writer.ts';
import { loadConfig } from '../src/config/config.ts';
import { CDS_HOOKS_PATH, cdsHooksDepsFromSite, createCdsHooksRouter, loadCdsHooksConfig } from '../src/cds-hooks/index.ts';
import { loadShippedModels } from '../src/inference/model-registry.ts';
import { createLogger } from '../src/logging/logger.ts';
import { openDatabase } from '../src/storage/open-database.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const BASE = 'https://sangam.bench';
const SERVICE = 'sangam-oncology-patient-view';

const listen = (app: express.Express) =>
  new Promise<{ url: string; close: () => void }>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }));
  });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function latencies(url: string, bodies: (i: number) => string, headers: (i: number) => Record<string, string>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers(i) }, body: bodies(i) });
    const json = (await res.json()) as { cards?: unknown[] };
    if (res.status !== 200 || !json.cards) throw new Error(`HTTP ${res.status}: ${JSON.stringify(json)}`);
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

// the bare endpoint: express, a JSON body parser and a JSON answer
const bareApp = express();
bareApp.post('/cds-services/bare', express.json({ limit: 1024 * 1024 }), (_req, res) => {
  res.json({ cards: [] });
});
const bare = await listen(bareApp);

// the site: demo-cohort patients (every third sequenced patient with its VCF), models loaded
const db = await openDatabase({});
const logger = createLogger({ level: 'silent' });
const services = createServices({ config: loadConfig({}, { env: 'test' }), db, logger });
await loadShippedModels(services.models);
const patients = generateSitePatients(builtInProfiles()[0]!, 60, 2026).patients;
for (const p of patients) {
  await services.clinical.importBundle(p.bundle, 'bench');
  if (p.calls) {
    const vcf = bgzip(writeVcf(p.calls, { annotation: 'CSQ', tumorSample: `${p.biology.id}-T`, normalSample: `${p.biology.id}-N`, fileDate: '2026-01-01' }));
    await services.genomics.importVariants((async function* () { yield vcf; })(), { patientId: p.biology.id, specimenId: 't', fileName: 'v.vcf.gz', source: 'bench' });
  }
}
await services.trials.registerTrial({ eligibility: { trialId: 'LOCAL-EGFR-1', title: 'EGFR lung', status: 'active', match: { and: [{ clinical: { cancerType: 'lung', age: '>=18' } }, { genomic: { gene: 'EGFR', proteinChange: 'p.L858R' } }] } } });
await services.trials.registerTrial({ eligibility: { trialId: 'LOCAL-BRCA-1', title: 'HR+ breast', status: 'active', match: { and: [{ clinical: { cancerType: 'breast', er: 'positive' } }] } } });

// an EHR with an ES384 key; each call carries a fresh token (unique jti), signed before timing
const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
const jku = 'https://ehr.bench/jwks';
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES384' }] };
const fetchJwks = (async (u: string | URL | Request) => new Response(JSON.stringify(jwks), { status: String(u) === jku ? 200 : 404 })) as typeof fetch;
const config = loadCdsHooksConfig({}, { publicBaseUrl: BASE, trustedIssuers: [{ iss: 'https://ehr.bench/', jkuAllowlist: [jku] }] }, 'test');
const siteApp = express();
siteApp.use(CDS_HOOKS_PATH, createCdsHooksRouter(cdsHooksDepsFromSite(services, { db, logger, config, fetch: fetchJwks })));
const site = await listen(siteApp);

const tokens = await Promise.all(
  Array.from({ length: CALLS * 2 + 50 }, async () => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: 'https://ehr.bench/', aud: `${BASE}${CDS_HOOKS_PATH}/${SERVICE}`, exp: now + 290, iat: now, jti: randomUUID() }).setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'k1', jku }).sign(privateKey);
  }),
);
let next = 0;
const ids = patients.map((p) => p.biology.id);
const body = (i: number) => JSON.stringify({ hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/1', patientId: ids[i % ids.length] } });
const auth = () => ({ authorization: `Bearer ${tokens[next++]!}` });

// warm: every patient once (models, summaries and prediction caches), and the bare endpoint
await latencies(`${site.url}${CDS_HOOKS_PATH}/${SERVICE}`, body, auth, ids.length);
await latencies(`${bare.url}/cds-services/bare`, body, () => ({}), 50);

const baseline = await latencies(`${bare.url}/cds-services/bare`, body, () => ({}), CALLS);
const view = await latencies(`${site.url}${CDS_HOOKS_PATH}/${SERVICE}`, body, auth, CALLS);
const cards = await db.query<{ kind: string; n: number }>('SELECT kind, count(*)::int AS n FROM cds_card GROUP BY kind ORDER BY kind');
const f = (x: number) => x.toFixed(2);
console.log(`CDS Hooks patient-view, ${CALLS} sequential calls over ${ids.length} demo patients (models warm, ES384 JWT verified per call):`);
console.log(`  bare express JSON endpoint: p50 ${f(percentile(baseline, 50))} ms, p95 ${f(percentile(baseline, 95))} ms`);
console.log(`  patient-view:               p50 ${f(percentile(view, 50))} ms, p95 ${f(percentile(view, 95))} ms (goal p95 <= 50 ms), max ${f(view[view.length - 1]!)} ms`);
console.log(`  ratio p95 patient-view / bare: ${(percentile(view, 95) / percentile(baseline, 95)).toFixed(1)}x`);
console.log(`  cards issued: ${cards.rows.map((r) => `${r.kind} ${r.n}`).join(', ')}`);

bare.close();
site.close();
await services.models.close();
await services.pathology.close();
await db.close();
