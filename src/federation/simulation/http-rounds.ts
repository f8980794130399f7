/**
 * The simulation's rounds run through the real federation stack instead of in process: a
 * coordinator (`../coordinator`) on an in-memory PGlite, serving `/federation/v1` on an ephemeral
 * loopback port, and one site participant (`../site/participant.ts`) per dataset site, each with its
 * own Ed25519 identity, signing every request and checking every signed answer. The coordinator
 * opens each round, screens and aggregates the updates (or runs secure aggregation) with its
 * stored strategy state and publishes a signed version; the next round starts from that version.
 *
 * Sites train with the same {@link SiteParticipant} as the in-process transport, so a run here and
 * in process differ only in where the arithmetic of aggregation happens and in what order: the
 * coordinator sums updates by site id, the in-process loop in the dataset's site order. With site
 * names already in that order (every shipped dataset) the two give the same bits.
 *
 * Time is virtual: coordinator and sites share a clock that moves only to push a round past its
 * deadline when some site's update was refused, so a run never waits on wall-clock deadlines.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { badInput } from '../../errors/domain-error.ts';
import { createLogger, type Logger } from '../../logging/logger.ts';
import { openDatabase } from '../../storage/open-database.ts';
import { createCoordinator, createCoordinatorRouter } from '../coordinator/index.ts';
import type { LocalRoundConfig } from '../local-training/local-trainer.ts';
import { FederationRequestError } from '../protocol/client.ts';
import { generateIdentityKeys } from '../protocol/identity-keys.ts';
import { createSiteParticipant, type SiteParticipant as HttpSite } from '../site/participant.ts';
import type { StrategyConfig } from '../strategies/strategy-config.ts';
import { UpdateRejection } from '../strategies/validate-update.ts';
import type { SiteParticipant } from './in-process-transport.ts';
import type { Exclusion, RoundsResult } from './run-rounds.ts';

export interface HttpRoundsPlan {
  /** names the federation, the lineage and the rounds (`<runId>-round-<r>`) */
  runId: string;
  /** the lineage id at the coordinator and the version family, e.g. the model's name */
  lineageId: string;
  family: string;
  rounds: number;
  initialWeights: Float64Array;
  /** the strategy as the coordinator stores it; `secureAggregation: true` runs Bonawitz rounds */
  strategy: StrategyConfig;
  /** the sites, which train locally as in process */
  sites: readonly SiteParticipant[];
  configFor(siteId: string, round: number): LocalRoundConfig;
  /** registered training-set size of each site; the largest caps numExamples (and is secure aggregation's maxWeight) */
  registeredExamples: Readonly<Record<string, number>>;
  secure?: { clipRange: number; quantRange: number };
  logger?: Logger;
}

// Enough for the four secure-aggregation steps plus a retry; a plain round needs one pass.
const MAX_PASSES = 12;
const ROUND_MS = 3_600_000;

/** Maps the coordinator's refusal of an update to the exclusion reason the in-process loop gives. */
function exclusionReason(err: unknown): Exclusion['reason'] | null {
  if (!(err instanceof FederationRequestError)) return null;
  if (err.reason === 'WRONG_SHAPE') return UpdateRejection.WRONG_LENGTH;
  return (Object.values(UpdateRejection) as string[]).includes(err.reason) ? (err.reason as Exclusion['reason']) : null;
}

/** Runs `plan.rounds` rounds through a coordinator and sites over loopback HTTP; returns the last version's weights. */
export async function runHttpRounds(plan: HttpRoundsPlan): Promise<RoundsResult> {
  const logger = plan.logger ?? createLogger({ level: 'silent' });
  const federationId = plan.runId.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const db = await openDatabase({});
  let server: Server | undefined;
  try {
    const coordinatorKeys = generateIdentityKeys();
    const coordinator = createCoordinator({ db, logger, signingKey: coordinatorKeys.privateKey, now });
    const app = express();
    app.use(createCoordinatorRouter({ coordinator, logger }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await coordinator.createFederation(federationId, 'federated simulation over loopback HTTP');
    const sites = new Map<string, HttpSite>();
    for (const site of plan.sites) {
      const keys = generateIdentityKeys();
      await coordinator.registerSite(federationId, site.id, keys.publicKey);
      sites.set(site.id, createSiteParticipant({
        coordinatorUrl: url, siteId: site.id, federationId, privateKey: keys.privateKey, coordinatorPublicKey: coordinatorKeys.publicKey, now, logger,
        trainer: async (work) => {
          // the round number seeds the site's sampling as in process; each closed round is one version
          const update = site.handle({ round: work.baseVersion, globalWeights: work.weights, config: plan.configFor(site.id, work.baseVersion) });
          return { delta: update.delta, numExamples: update.numExamples };
        },
      }));
    }
    await coordinator.createLineage({ id: plan.lineageId, federationId, family: plan.family, initialWeights: plan.initialWeights });

    const exclusions: Exclusion[] = [];
    const maxNumExamples = Math.max(...Object.values(plan.registeredExamples));
    for (let round = 0; round < plan.rounds; round++) {
      const roundId = `${federationId}-round-${round}`.slice(0, 128);
      const config = plan.configFor(plan.sites[0]!.id, round);
      await coordinator.openRound({
        federationId, lineageId: plan.lineageId, roundId, strategy: plan.strategy,
        localSteps: config.localSteps, learningRate: config.learningRate, batchSize: config.batchSize,
        quorum: 1, target: sites.size, durationMs: ROUND_MS, maxNumExamples,
        ...(plan.secure ? { secAgg: { clipRange: plan.secure.clipRange, quantRange: plan.secure.quantRange } } : {}),
      });
      const refused = new Set<string>();
      for (let pass = 0; ; pass++) {
        if (pass >= MAX_PASSES) throw new Error(`round ${roundId} did not end after ${MAX_PASSES} passes over the sites`);
        for (const [id, site] of sites) {
          if (refused.has(id)) continue;
          try {
            await site.pollOnce();
          } catch (err) {
            const reason = exclusionReason(err);
            if (!reason) throw err;
            exclusions.push({ round, site: id, reason });
            refused.add(id);
          }
        }
        const state = (await coordinator.status({ federationId, limit: 2 })).rounds.find((r) => r.id === roundId)?.state;
        if (state === 'closed' || state === 'failed') break;
        // every site that will answer has; a refused one never will, so the deadline settles the round
        if (refused.size > 0) {
          clock.now += ROUND_MS;
          await coordinator.tick();
        }
      }
      // rounds are listed by opening time: the next one opens a second later
      clock.now += 1000;
    }
    const latest = await [...sites.values()][0]!.fetchLatestVersion(plan.lineageId);
    return { weights: latest.weights, exclusions, ledgers: new Map() };
  } finally {
    const s = server;
    if (s) {
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
    await db.close();
  }
}

/** Throws unless the options can run over HTTP: one DP σ per round cannot carry per-site calibrated σ. */
export function checkHttpSimulation(options: { dp: unknown }): void {
  if (options.dp) {
    throw badInput(
      '--transport http runs rounds through the coordinator, whose round carries one DP noise multiplier for every site; the simulation calibrates σ per site to its own size, so DP simulations run with --transport inproc',
      [{ expression: 'transport', message: 'http cannot run a DP simulation' }],
    );
  }
}
