/**
 * In-process federation nodes for the node tests: a coordinator node on an ephemeral port (its
 * federation, sites and a lineage of the shipped response model set up first), and sites that are
 * real site services on their own database, holding synthetic-cohort patients and serving the
 * shipped response model.
 */
import { Writable } from 'node:stream';
import { generateSitePatients, type GeneratedSite } from '../../../src/cohort/generate.ts';
import { builtInProfiles } from '../../../src/cohort/profiles.ts';
import { createCoordinator } from '../../../src/federation/coordinator/coordinator.ts';
import { startCoordinatorNode, type CoordinatorNode } from '../../../src/federation/node/coordinator-node.ts';
import { createLineageFromModel, readShippedModel } from '../../../src/federation/node/lineage-model.ts';
import type { RoundPlan } from '../../../src/federation/node/round-plan.ts';
import { generateIdentityKeys, type IdentityKeys } from '../../../src/federation/protocol/identity-keys.ts';
import { createLogger, type Logger } from '../../../src/logging/logger.ts';
import { openDatabase } from '../../../src/storage/open-database.ts';
import type { Database } from '../../../src/storage/port.ts';
import { buildTestApp } from '../../helpers/app.ts';

export const FEDERATION = 'onco-test';
export const LINEAGE = 'response-synthetic';
export const shippedResponse = readShippedModel('response-synthetic');

/** A logger whose lines the test can read back (to check them for PHI). */
export function capturedLogger(): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const destination = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) });
  return { logger: createLogger({ level: 'info', destination }), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

export interface TestSite {
  id: string;
  keys: IdentityKeys;
  db: Database;
  app: ReturnType<typeof buildTestApp>;
  cohort: GeneratedSite;
  close(): Promise<void>;
}

/**
 * A site on an in-memory database with `patients` synthetic patients of a built-in profile, serving
 * response-synthetic@1. `bundleOf` chooses what each patient's import holds (default: the whole bundle).
 */
export async function startTestSite(
  id: string,
  profile: string,
  patients: number,
  seed: number,
  bundleOf: (p: GeneratedSite['patients'][number], index: number) => unknown = (p) => p.bundle,
): Promise<TestSite> {
  const db = await openDatabase({});
  const app = buildTestApp(db);
  await app.models.register(shippedResponse.onnx, shippedResponse.cardJson, 'models/response-synthetic/1');
  const cohort = generateSitePatients(builtInProfiles().find((p) => p.id === profile)!, patients, seed);
  for (const [i, p] of cohort.patients.entries()) await app.clinical.importBundle(bundleOf(p, i), 'test');
  return {
    id,
    keys: generateIdentityKeys(),
    db,
    app,
    cohort,
    async close() {
      await app.pathology.close();
      await app.models.close();
      await db.close();
    },
  };
}

export interface TestCoordinator {
  federationId: string;
  node: CoordinatorNode;
  db: Database;
  keys: IdentityKeys;
  close(): Promise<void>;
}

export type TestPlan = Omit<RoundPlan, 'federationId' | 'lineageId' | 'maxFailures'> & { maxFailures?: number };

/**
 * A coordinator node with the sites registered and a lineage of response-synthetic, following
 * `plan`. Each test names its own federation: a site remembers the versions it received per
 * federation and refuses an older one as a rollback, so two tests must not share one.
 */
export async function startTestCoordinator(sites: readonly TestSite[], plan: TestPlan, logger: Logger, federationId = FEDERATION): Promise<TestCoordinator> {
  const db = await openDatabase({});
  const keys = generateIdentityKeys();
  const admin = createCoordinator({ db, logger, signingKey: keys.privateKey });
  await admin.createFederation(federationId, 'node tests');
  for (const s of sites) await admin.registerSite(federationId, s.id, s.keys.publicKey);
  await createLineageFromModel(admin, { federationId, lineageId: LINEAGE, model: shippedResponse });
  const node = await startCoordinatorNode({ db, logger, signingKey: keys.privateKey, port: 0, tickMs: 100, plan: { federationId, lineageId: LINEAGE, maxFailures: 0, ...plan } });
  return {
    federationId,
    node,
    db,
    keys,
    async close() {
      await node.close();
      await db.close();
    },
  };
}

/** `promise`, or a rejection after `ms` (so a test's `finally` still stops its nodes). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves once `check` returns a value, polling every 50 ms; fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
