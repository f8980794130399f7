/**
 * A coordinator on a real HTTP port (127.0.0.1, ephemeral) over a test database, with registered
 * sites, a lineage, a movable clock and captured logs. `restart()` drops the coordinator and its
 * server and builds new ones on the same database, as a process restart would.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import { createLogger } from '../../../src/logging/logger.ts';
import type { Database } from '../../../src/storage/port.ts';
import { createCoordinator, createCoordinatorRouter, type Coordinator } from '../../../src/federation/coordinator/index.ts';
import { createFederationClient, type FederationClient, type FetchLike } from '../../../src/federation/protocol/client.ts';
import { generateIdentityKeys, publicKeyFromBase64, type IdentityKeys } from '../../../src/federation/protocol/identity-keys.ts';
import { createSiteParticipant, type SiteParticipant, type SiteParticipantOptions, type SiteTrainer } from '../../../src/federation/site/index.ts';

export const FEDERATION = 'onco-india';
export const LINEAGE = 'prognosis-cox';
export const START = Date.parse('2025-03-01T09:00:00Z');

export interface Harness {
  db: Database;
  coordinator: Coordinator;
  coordinatorKeys: IdentityKeys;
  url: string;
  keys: Record<string, IdentityKeys>;
  clock: { now: number };
  logs(): Record<string, unknown>[];
  /** a signing client for `siteId` (its registered key unless `privateKey` is given) */
  client(siteId: string, extra?: { privateKey?: IdentityKeys['privateKey']; fetch?: FetchLike; skewMs?: number }): FederationClient;
  participant(siteId: string, trainer: SiteTrainer, extra?: Partial<SiteParticipantOptions>): SiteParticipant;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  sites: readonly string[];
  initialWeights: Float64Array;
  maxBodyBytes?: number;
}

/** A trainer that returns a fixed delta and counts its calls. */
export function fixedTrainer(delta: number[], numExamples: number): SiteTrainer & { calls: number } {
  const trainer = Object.assign(
    async () => {
      trainer.calls++;
      return { delta: Float64Array.from(delta), numExamples };
    },
    { calls: 0 },
  );
  return trainer;
}

export async function startHarness(db: Database, options: HarnessOptions): Promise<Harness> {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const clock = { now: START };
  const coordinatorKeys = generateIdentityKeys();
  const build = () => createCoordinator({ db, logger, signingKey: coordinatorKeys.privateKey, now: () => clock.now, secAggStepMs: 60_000 });

  let coordinator = build();
  let server: Server;
  const listen = async (c: Coordinator, port = 0): Promise<string> => {
    const app = express();
    app.use(createCoordinatorRouter({ coordinator: c, logger, ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });

  await coordinator.createFederation(FEDERATION, 'test federation');
  const keys: Record<string, IdentityKeys> = {};
  for (const site of options.sites) {
    keys[site] = generateIdentityKeys();
    await coordinator.registerSite(FEDERATION, site, keys[site].publicKey);
  }
  await coordinator.createLineage({ id: LINEAGE, federationId: FEDERATION, family: 'prognosis', initialWeights: options.initialWeights });

  const h: Harness = {
    db,
    coordinator,
    coordinatorKeys,
    url: await listen(coordinator),
    keys,
    clock,
    logs: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    client: (siteId, extra = {}) =>
      createFederationClient({
        coordinatorUrl: h.url,
        siteId,
        federationId: FEDERATION,
        privateKey: extra.privateKey ?? keys[siteId]!.privateKey,
        coordinatorPublicKey: publicKeyFromBase64(coordinatorKeys.publicKey),
        now: () => clock.now + (extra.skewMs ?? 0),
        ...(extra.fetch ? { fetch: extra.fetch } : {}),
      }),
    participant: (siteId, trainer, extra = {}) =>
      createSiteParticipant({
        coordinatorUrl: h.url,
        siteId,
        federationId: FEDERATION,
        privateKey: keys[siteId]!.privateKey,
        coordinatorPublicKey: coordinatorKeys.publicKey,
        trainer,
        now: () => clock.now,
        ...extra,
      }),
    async restart() {
      const port = (server.address() as AddressInfo).port;
      await stop();
      // let keep-alive clients see their sockets close, as they would after a real restart
      await new Promise((resolve) => setTimeout(resolve, 50));
      coordinator = build();
      h.coordinator = coordinator;
      // the same port, so participants created before the restart reach the new process
      h.url = await listen(coordinator, port);
    },
    close: stop,
  };
  return h;
}

/** Polls every participant in turn until none has anything left to do (or `maxPasses` is hit). */
export async function pollUntilIdle(participants: readonly SiteParticipant[], maxPasses = 12): Promise<string[]> {
  const seen: string[] = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    const outcomes = [];
    for (const p of participants) outcomes.push(await p.pollOnce());
    seen.push(...outcomes.map((o) => o.kind + ('stage' in o ? `:${o.stage}` : '')));
    if (outcomes.every((o) => o.kind === 'idle')) return seen;
  }
  return seen;
}
