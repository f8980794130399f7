// Inference: GraphQL prognosis and therapy-response queries per second through the site (express,
// yoga, loaders, registry, onnxruntime) against a bare graphql-yoga endpoint answering a trivial
// query over the same HTTP stack in the same run; and the registry's per-call overhead over a raw
// session.run of the same model and input.
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { createApp } from '../src/app.ts';
import { generateSitePatients } from '../src/cohort/generate.ts';
import { builtInProfiles } from '../src/cohort/profiles.ts';
import { loadConfig } from '../src/config/config.ts';
import { loadShippedModels } from '../src/inference/model-registry.ts';
import { createLogger } from '../src/logging/logger.ts';
import { loadHardeningConfig } from '../src/http-hardening/index.ts';
import { openDatabase } from '../src/storage/open-database.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = 8;

async function throughput(url: string, body: (i: number) => string, authorization?: string): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: body(i++) });
        const json = (await res.json()) as { errors?: unknown };
        if (json.errors) throw new Error(JSON.stringify(json.errors));
        done++;
      }
    }),
  );
  return done / SECONDS;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const listen = (handler: Handler) =>
  new Promise<{ url: string; close: () => void }>((resolve) => {
    const server = createServer(handler).listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, close: () => server.close() });
    });
  });

// the bare endpoint
const bare = createYoga({ schema: createSchema({ typeDefs: 'type Query { hello(id: ID!): String! }', resolvers: { Query: { hello: (_: unknown, a: { id: string }) => `hello ${a.id}` } } }), logging: false });
const bareServer = await listen(bare as unknown as Handler);

// the site, with the demo site's breast-cancer patients
const db = await openDatabase({});
// as a site runs: every request's bearer token verified (ES384), every patient read written to the audit log;
// the rate limit is lifted so the benchmark measures the work, not the limiter
const config = loadConfig({}, { env: 'test' });
const hardening = loadHardeningConfig({}, { rateLimit: { perMinute: 1_000_000, burst: 1_000_000 } });
const site = createApp({ config, db, logger: createLogger({ level: 'silent' }), hardening });
const authorization = `Bearer ${(await site.auth.mintToken({ role: 'clinician', ttlSeconds: 3600 })).token}`;
await loadShippedModels(site.models);
const patients = generateSitePatients(builtInProfiles()[0]!, 120, 2026).patients.filter((p) => p.biology.cancer === 'breast');
for (const p of patients) await site.clinical.importBundle(p.bundle, 'bench');
const siteServer = await listen(site.app as unknown as Handler);
const ids = patients.map((p) => p.biology.id);

const q = (query: string) => (i: number) => JSON.stringify({ query, variables: { id: ids[i % ids.length] } });
await throughput(bareServer.url, q('query($id: ID!) { hello(id: $id) }'));
const baseline = await throughput(bareServer.url, q('query($id: ID!) { hello(id: $id) }'));
// what every request pays before any model runs: token, limits, headers, GraphQL validation (no patient: no audit)
const gate = await throughput(siteServer.url, () => JSON.stringify({ query: '{ models { name version } }' }), authorization);
const prognosis = await throughput(siteServer.url, q('query($id: ID!) { patient(id: $id) { prognosis { risk medianSurvivalDays modelVersion survivalCurve { day probability } } } }'), authorization);
const response = await throughput(siteServer.url, q('query($id: ID!) { patient(id: $id) { therapyResponse { therapy probability modelVersion } } }'), authorization);
console.log(`inference over HTTP, ${CONCURRENCY} clients, ${SECONDS} s each (${ids.length} breast-cancer patients; the site verifies each token and audits each read):`);
console.log(`  bare graphql-yoga endpoint: ${baseline.toFixed(0)} queries/s`);
console.log(`  authenticated models query (no patient, no audit): ${gate.toFixed(0)} queries/s, ratio ${(gate / baseline).toFixed(3)}`);
console.log(`  prognosis query: ${prognosis.toFixed(0)} queries/s, ratio ${(prognosis / baseline).toFixed(3)} (goal >= 0.5)`);
console.log(`  therapy-response query (5 regimens): ${response.toFixed(0)} queries/s, ratio ${(response / baseline).toFixed(3)} (goal >= 0.5)`);

// registry overhead: lease + run + release against a raw session.run, same model and input
const card = JSON.parse(readFileSync(new URL('../models/prognosis-brca/1/card.json', import.meta.url), 'utf8')) as { name: string };
const raw = await ort.InferenceSession.create(readFileSync(new URL('../models/prognosis-brca/1/model.onnx', import.meta.url)), { intraOpNumThreads: 1, interOpNumThreads: 1 });
const input = () => ({ features: new ort.Tensor('float32', new Float32Array(39).fill(0.1), [1, 39]) });
const N = 20_000;
async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2000; i++) await fn();
  const t = performance.now();
  for (let i = 0; i < N; i++) await fn();
  return ((performance.now() - t) * 1000) / N;
}
const rawUs = await timeIt(() => raw.run(input()));
const leasedUs = await timeIt(async () => {
  const lease = site.models.lease(card.name);
  try {
    return await lease.run(input());
  } finally {
    lease.release();
  }
});
console.log(`registry per call: ${leasedUs.toFixed(1)} µs leased against ${rawUs.toFixed(1)} µs raw session.run (overhead ${(leasedUs - rawUs).toFixed(1)} µs, ratio ${(rawUs / leasedUs).toFixed(3)})`);

bareServer.close();
siteServer.close();
await raw.release();
await site.models.close();
await site.pathology.close();
await db.close();
