import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import express from 'express';
import type { Logger } from '../../logging/logger.ts';
import type { Database } from '../../storage/port.ts';
import { createCoordinator, type Coordinator } from '../coordinator/coordinator.ts';
import { createCoordinatorRouter, FEDERATION_API_PREFIX } from '../coordinator/router.ts';
import { advancePlan, type PlanProgress, type RoundPlan } from './round-plan.ts';

export interface CoordinatorNodeOptions {
  db: Database;
  logger: Logger;
  signingKey: KeyObject;
  port: number;
  host?: string;
  /** rounds to run by themselves; without one an operator opens rounds */
  plan?: RoundPlan;
  /** how often deadlines are checked and the plan advanced; 2 s by default */
  tickMs?: number;
  onPlan?: (progress: PlanProgress) => void;
}

export interface CoordinatorNode {
  coordinator: Coordinator;
  url: string;
  close(): Promise<void>;
}

/**
 * A running coordinator: the signed federation API, a read-only status page for operators, and a
 * timer that closes rounds at their deadline and opens the plan's next round.
 */
export async function startCoordinatorNode(options: CoordinatorNodeOptions): Promise<CoordinatorNode> {
  const { db, logger, plan } = options;
  const coordinator = createCoordinator({ db, logger, signingKey: options.signingKey });
  const app = express();
  app.disable('x-powered-by');
  // rounds and sites only: ids, counts, times and states, never parameters or patient data
  app.get(`${FEDERATION_API_PREFIX}/status`, async (req, res, next) => {
    try {
      const federationId = typeof req.query.federation === 'string' ? req.query.federation : undefined;
      const limit = typeof req.query.limit === 'string' && /^\d{1,3}$/.test(req.query.limit) ? Number(req.query.limit) : undefined;
      res.json(await coordinator.status({ ...(federationId ? { federationId } : {}), ...(limit !== undefined ? { limit } : {}) }));
    } catch (err) {
      next(err);
    }
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', role: 'coordinator', publicKey: coordinator.publicKey });
  });
  app.use(createCoordinatorRouter({ coordinator, logger }));

  let busy = false;
  let stopped = false;
  const step = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const ended = await coordinator.tick();
      if (ended.length > 0) logger.info({ rounds: ended }, 'rounds ended at their deadline');
      if (plan) {
        // not `onPlan?.(await advancePlan(...))`: an optional call skips evaluating its argument
        const progress = await advancePlan(coordinator, plan, logger);
        options.onPlan?.(progress);
      }
    } catch (err) {
      logger.error({ err }, 'coordinator tick failed');
    } finally {
      busy = false;
    }
  };
  await step();
  const timer = setInterval(() => void step(), options.tickMs ?? 2000);

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(options.port, options.host ?? '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    coordinator,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    async close() {
      stopped = true;
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // a tick that was running finishes before the database closes underneath it
      while (busy) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
