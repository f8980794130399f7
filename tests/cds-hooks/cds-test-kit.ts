/**
 * Shared pieces of the CDS Hooks tests: an EHR that signs its own ES384/RS384 tokens, a fetch that
 * serves the EHR's JWKS (and hands other URLs to a FHIR server), and a site with the CDS router
 * mounted on an express app the way app.ts mounts it.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import express, { type Express } from 'express';
import { createLogger } from '../../src/logging/logger.ts';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { loadShippedModels } from '../../src/inference/model-registry.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { CDS_HOOKS_PATH, createCdsHooksRouter } from '../../src/cds-hooks/cds-hooks-router.ts';
import { loadCdsHooksConfig, type CdsHooksConfigInput } from '../../src/cds-hooks/cds-config.ts';
import { cdsHooksDepsFromSite } from '../../src/cds-hooks/site-deps.ts';
import type { CdsHooksDeps } from '../../src/cds-hooks/deps.ts';
import { createServices, type Services } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';

export const BASE = 'https://sangam.test';
export const PV = 'sangam-oncology-patient-view';
export const OSIGN = 'sangam-oncology-order-sign';
export const OSELECT = 'sangam-oncology-order-select';
export const serviceUrl = (id: string) => `${BASE}${CDS_HOOKS_PATH}/${id}`;

export interface TestEhr {
  iss: string;
  jku: string;
  kid: string;
  alg: 'ES384' | 'RS384';
  jwks: { keys: JWK[] };
  /** A fresh token for `aud`, claims and header overridable. */
  token(aud: string, claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

/** An EHR with a key of its own, published at its jku. */
export async function makeEhr(alg: 'ES384' | 'RS384' = 'ES384', iss = 'https://ehr.test/'): Promise<TestEhr> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `k-${alg}-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const jku = `${iss.replace(/\/$/, '')}/jwks-${alg}.json`;
  return {
    iss,
    jku,
    kid,
    alg,
    jwks: { keys: [jwk] },
    async token(aud, claims = {}, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss, aud, exp: now + 120, iat: now, jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg, typ: 'JWT', kid, jku, ...header })
        .sign(privateKey);
    },
  };
}

/** A fetch that answers JWKS URLs from `jwks` and passes everything else to `other` (404 without one). */
export function jwksFetch(jwks: Record<string, unknown>, other?: typeof fetch): typeof fetch & { calls: string[] } {
  const calls: string[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push(url);
    if (jwks[url]) return new Response(JSON.stringify(jwks[url]), { status: 200, headers: { 'content-type': 'application/json' } });
    if (other) return other(input, init);
    return new Response('not found', { status: 404 });
  }) as typeof fetch & { calls: string[] };
  f.calls = calls;
  return f;
}

export interface CdsTestSite {
  app: Express;
  db: Database;
  site: Services;
  deps: CdsHooksDeps;
  /** what the CDS router logged */
  logText(): string;
  close(): Promise<void>;
}

export interface CdsTestSiteOptions {
  ehrs?: TestEhr[];
  config?: Partial<CdsHooksConfigInput>;
  /** FHIR (non-JWKS) fetches */
  fhirFetch?: typeof fetch;
  extraJwks?: Record<string, unknown>;
  models?: boolean;
  /** the database to build on (tests/helpers/databases.ts); an in-memory PGlite when absent */
  openDb?: () => Promise<Database>;
}

/** A site (on PGlite unless `openDb` says otherwise) with models loaded and the CDS router mounted at /cds-services. */
export async function buildCdsSite(options: CdsTestSiteOptions = {}): Promise<CdsTestSite> {
  const db = await (options.openDb ?? (() => openDatabase({})))();
  const chunks: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) }) });
  // the services alone (as app.ts builds them), so these tests do not depend on the GraphQL layer
  const site = createServices({ config: loadConfig({}, { env: 'test' }), db, logger });
  if (options.models !== false) await loadShippedModels(site.models);
  const ehrs = options.ehrs ?? [];
  const config = loadCdsHooksConfig(
    {},
    {
      publicBaseUrl: BASE,
      trustedIssuers: ehrs.map((e) => ({ iss: e.iss, jkuAllowlist: [e.jku] })),
      ...options.config,
    },
    'test',
  );
  const keys = Object.fromEntries([...ehrs.map((e) => [e.jku, e.jwks] as const), ...Object.entries(options.extraJwks ?? {})]);
  const deps = cdsHooksDepsFromSite(site, { db, logger, config, fetch: jwksFetch(keys, options.fhirFetch) });
  const app = express();
  app.use(CDS_HOOKS_PATH, createCdsHooksRouter(deps));
  return {
    app,
    db,
    site,
    deps,
    logText: () => chunks.join(''),
    async close() {
      await site.models.close();
      await site.pathology.close();
      await db.close();
    },
  };
}
