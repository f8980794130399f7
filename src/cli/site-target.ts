import type { ClinicalService, ImportResult } from '../clinical/clinical-service.ts';
import { createServices } from '../app.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { badInput, DomainError, ErrorCode, type InputIssue } from '../errors/domain-error.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { acquireLock, readLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';

/** Where a data-changing CLI command sends its work: a running site's API, or the store itself. */
export interface SiteTarget {
  description: string;
  importBundle(json: unknown, source: string): Promise<ImportResult>;
  close(): Promise<void>;
}

export interface TargetOptions {
  url?: string;
  dataDir?: string;
  databaseUrl?: string;
}

const IMPORT_MUTATION = `mutation Import($bundle: JSON!) {
  importFhirBundle(bundle: $bundle) {
    importId kind patientIds
    entries { index resourceType id version outcome }
    warnings { entry expression message }
  }
}`;

interface GraphqlAnswer {
  data?: { importFhirBundle?: ImportResult } | null;
  errors?: { message: string; extensions?: { code?: string; issues?: InputIssue[] } }[];
}

/** Talks to a running site through its GraphQL API (`importFhirBundle`). */
export function remoteTarget(baseUrl: string): SiteTarget {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    description: `site at ${base}`,
    async importBundle(json) {
      let res: Response;
      try {
        res = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query: IMPORT_MUTATION, variables: { bundle: json } }),
        });
      } catch (err) {
        throw new DomainError(ErrorCode.UPSTREAM_FAILED, `cannot reach ${base}: ${(err as Error).message}`);
      }
      const answer = (await res.json().catch(() => ({}))) as GraphqlAnswer;
      const result = answer.data?.importFhirBundle;
      if (result) return result;
      const first = answer.errors?.[0];
      const code = (first?.extensions?.code ?? (res.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_INPUT')) as ErrorCode;
      const known = Object.values(ErrorCode).includes(code) ? code : ErrorCode.UPSTREAM_FAILED;
      throw new DomainError(known, first?.message ?? `site answered HTTP ${res.status}`, first?.extensions?.issues ?? []);
    },
    close: async () => undefined,
  };
}

/** Opens the store directly; refuses (pointing at the server) when a running site holds the data directory. */
export async function localTarget(config: Config, logger: Logger): Promise<SiteTarget> {
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  const db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  const { clinical }: { clinical: ClinicalService } = createServices({ config, db, logger });
  return {
    description: config.databaseUrl ? 'database at DATABASE_URL' : `data directory ${config.dataDir}`,
    importBundle: (json, source) => clinical.importBundle(json, source),
    async close() {
      await db.close();
      lock?.release();
    },
  };
}

/**
 * Chooses the target: `--url` if given; otherwise, if a running site holds the data directory,
 * that site's API; otherwise the data directory (or DATABASE_URL) directly.
 */
export async function openTarget(options: TargetOptions, log: (line: string) => void): Promise<SiteTarget> {
  if (options.url) {
    if (!/^https?:\/\//.test(options.url)) throw badInput(`--url must be an http(s) URL, got ${options.url}`);
    return remoteTarget(options.url);
  }
  const config = loadConfig(process.env, { dataDir: options.dataDir, databaseUrl: options.databaseUrl, logLevel: 'warn' });
  if (!config.databaseUrl) {
    const holder = readLock(config.dataDir);
    if (holder?.url) {
      log(`a site (pid ${holder.pid}) holds ${config.dataDir}; sending through its API at ${holder.url}`);
      return remoteTarget(holder.url);
    }
  }
  return localTarget(config, createLogger({ level: config.logLevel }));
}
