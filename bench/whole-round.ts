// Whole federated rounds as a deployment runs them, for bench/secagg.bench.ts: the real coordinator
// (src/federation/coordinator) on PGlite, or on PostgreSQL when DATABASE_URL is set, serving
// /federation/v1 on a loopback port, and one real site participant (src/federation/site) per site,
// each with its own Ed25519 key, signing every request and checking every signed answer. Sites do
// not train: the trainer callback hands back the site's fixed update at once, so a round's time is
// the federation's own cost (HTTP, JSON and base64, signatures, nonces, screening or the secure-
// aggregation protocol, the database, FedAvg, publishing the signed version), not the model's.
// Set up as src/federation/simulation/http-rounds.ts and tests/federation/coordinator/harness.ts do.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createCoordinator, createCoordinatorRouter, type Coordinator } from '../src/federation/coordinator/index.ts';
import { generateIdentityKeys } from '../src/federation/protocol/identity-keys.ts';
import { createSiteParticipant, type PollOutcome, type SiteParticipant } from '../src/federation/site/participant.ts';
import { createLogger } from '../src/logging/logger.ts';
import { openDatabase } from '../src/storage/open-database.ts';
import type { Database } from '../src/storage/port.ts';

export interface BenchSite {
  siteId: string;
  delta: Float64Array;
  numExamples: number;
}

export interface WholeRoundOptions {
  sites: readonly BenchSite[];
  initialWeights: Float64Array;
  /** the cap on numExamples, and secure aggregation's weight scale */
  maxNumExamples: number;
  /** the plain round's L2 bound on a delta */
  maxDeltaNorm: number;
  clipRange: number;
  quantRange: number;
  /** PostgreSQL; PGlite in memory when absent */
  databaseUrl?: string;
}

export interface RoundTiming {
  ms: number;
  /** this process's CPU time; with PostgreSQL the server's own CPU is not in it */
  cpuMs: number;
}

export interface WholeRoundBench {
  database: 'pglite' | 'postgres';
  /** Opens one round, plain or secure, and polls every site until it has closed; the round's timing. */
  runRound(secure: boolean): Promise<RoundTiming>;
  /** The weights of the newest published version. */
  latestWeights(): Promise<Float64Array>;
  close(): Promise<void>;
}

const FEDERATION = 'bench-federation';
const LINEAGE = 'bench-lineage';
// one pass per secure-aggregation step plus slack; a plain round needs one
const MAX_PASSES = 8;

async function openBenchDatabase(url: string | undefined): Promise<Database> {
  if (!url) return openDatabase({});
  // a schema of its own, dropped afterwards, as the PostgreSQL tests do
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ databaseUrl: url, schema });
  const close = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      await db.exec(`DROP SCHEMA ${schema} CASCADE`);
      await close();
    },
  });
}

/** Starts a coordinator with `sites` registered and a lineage at `initialWeights`; nothing is timed yet. */
export async function startWholeRoundBench(options: WholeRoundOptions): Promise<WholeRoundBench> {
  const logger = createLogger({ level: 'silent' });
  const db = await openBenchDatabase(options.databaseUrl);
  let server: Server | undefined;
  try {
    const coordinatorKeys = generateIdentityKeys();
    const coordinator: Coordinator = createCoordinator({ db, logger, signingKey: coordinatorKeys.privateKey });
    const app = express();
    app.use(createCoordinatorRouter({ coordinator, logger }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await coordinator.createFederation(FEDERATION, 'secure-aggregation benchmark');
    const participants: SiteParticipant[] = [];
    for (const site of options.sites) {
      const keys = generateIdentityKeys();
      await coordinator.registerSite(FEDERATION, site.siteId, keys.publicKey);
      participants.push(createSiteParticipant({
        coordinatorUrl: url, siteId: site.siteId, federationId: FEDERATION, privateKey: keys.privateKey, coordinatorPublicKey: coordinatorKeys.publicKey, logger,
        trainer: async () => ({ delta: site.delta, numExamples: site.numExamples }),
      }));
    }
    await coordinator.createLineage({ id: LINEAGE, federationId: FEDERATION, family: 'bench', initialWeights: options.initialWeights });

    let roundNumber = 0;
    const roundState = async (roundId: string) => (await coordinator.status({ federationId: FEDERATION, limit: 1 })).rounds.find((r) => r.id === roundId);

    const runRound = async (secure: boolean): Promise<RoundTiming> => {
      const roundId = `bench-${secure ? 'secure' : 'plain'}-${roundNumber++}`;
      let ms = 0;
      let cpuMs = 0;
      // only the coordinator's and the sites' work is timed; the status read between passes is not
      const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
        const c = process.cpuUsage();
        const t = performance.now();
        const value = await fn();
        ms += performance.now() - t;
        const used = process.cpuUsage(c);
        cpuMs += (used.user + used.system) / 1000;
        return value;
      };
      await timed(() =>
        coordinator.openRound({
          federationId: FEDERATION, lineageId: LINEAGE, roundId, strategy: { name: 'fedavg', secureAggregation: secure },
          localSteps: 1, learningRate: 0.01, batchSize: 32, quorum: options.sites.length, target: options.sites.length, durationMs: 3_600_000,
          maxNumExamples: options.maxNumExamples,
          ...(secure ? { secAgg: { clipRange: options.clipRange, quantRange: options.quantRange } } : { maxDeltaNorm: options.maxDeltaNorm }),
        }),
      );
      for (let pass = 0; ; pass++) {
        if (pass >= MAX_PASSES) throw new Error(`round ${roundId} did not close after ${MAX_PASSES} passes over the sites`);
        // sites take turns, as src/federation/simulation/http-rounds.ts polls them: one process, one core's worth of event loop
        const outcomes = await timed(async () => {
          const out: PollOutcome[] = [];
          for (const p of participants) out.push(await p.pollOnce());
          return out;
        });
        const round = await roundState(roundId);
        if (round?.state === 'closed') return { ms, cpuMs };
        if (round?.state === 'failed') throw new Error(`round ${roundId} failed: ${round.failure ?? 'no reason given'}`);
        if (outcomes.every((o) => o.kind === 'idle')) throw new Error(`round ${roundId} is ${round?.state ?? 'missing'} but no site has work`);
      }
    };

    const s = server;
    return {
      database: options.databaseUrl ? 'postgres' : 'pglite',
      runRound,
      latestWeights: async () => (await participants[0]!.fetchLatestVersion(LINEAGE)).weights,
      async close() {
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
        await db.close();
      },
    };
  } catch (err) {
    const s = server;
    if (s) s.close();
    await db.close();
    throw err;
  }
}
