import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type Site } from './app.ts';
import { checkAuthConfig } from './auth/auth-config.ts';
import { loadCdsHooksConfig } from './cds-hooks/index.ts';
import { loadHardeningConfig } from './http-hardening/index.ts';
import { loadShippedModels } from './inference/model-registry.ts';
import type { Config } from './config/config.ts';
import type { Logger } from './logging/logger.ts';
import { acquireLock } from './storage/data-dir-lock.ts';
import { openDatabase } from './storage/open-database.ts';
import type { Database } from './storage/port.ts';

export interface RunningSite extends Site {
  url: string;
  db: Database;
  close(): Promise<void>;
}

/**
 * Opens the store, builds the app and listens. `close` stops in reverse order: stop accepting,
 * finish in-flight requests, close the database, release the data directory.
 */
export async function startSite(config: Config, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<RunningSite> {
  // production refuses to start without an issuer and trusted JWKS: checked before anything opens
  checkAuthConfig(env, config);
  const hardening = loadHardeningConfig(env);
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  let db: Database | undefined;
  let site: Site | undefined;
  let server: Server | undefined;
  try {
    // listen first, so the issuer of the site's tokens is the address it really has (port 0 picks one)
    let handler: RequestListener = (_req, res) => {
      res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"status":"starting"}');
    };
    const listening = createServer((req, res) => handler(req, res));
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(config.port, config.host, () => resolve());
    });
    const { port } = listening.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    const auth = checkAuthConfig(env, { ...config, port });
    const cds = loadCdsHooksConfig(env, env.SANGAM_CDS_PUBLIC_BASE_URL ? {} : { publicBaseUrl: auth.issuer }, config.env);
    db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
    const running = (site = createApp({ config, db, logger, auth, cds, hardening, ...(config.databaseUrl ? {} : { keyDir: config.dataDir }) }));
    const models = await loadShippedModels(running.models);
    // a damaged evidence file stops the start, not the first oncologist's query
    void running.therapy.knowledgeBase;
    logger.info({ models: models.map((m) => `${m.name}@${m.version}`) }, 'models loaded');
    const refreshed = await running.clinical.refreshStaleSummaries();
    if (refreshed > 0) logger.info({ refreshed }, 'clinical summaries refreshed for the current mapper');
    handler = running.app;
    lock?.update({ url, issuer: auth.issuer });
    const openDb = db;
    let closing: Promise<void> | undefined;
    return {
      ...running,
      url,
      db: openDb,
      close: () =>
        (closing ??= (async () => {
          await new Promise<void>((resolve) => {
            listening.close(() => resolve());
            listening.closeIdleConnections();
          });
          await running.pathology.close();
          await running.models.close();
          await openDb.close();
          lock?.release();
        })()),
    };
  } catch (err) {
    server?.close();
    await site?.pathology.close();
    await site?.models.close();
    await db?.close();
    lock?.release();
    throw err;
  }
}

/** Closes the site on SIGTERM or SIGINT, once. */
export function closeOnSignals(site: RunningSite, logger: Logger): void {
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    site.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
