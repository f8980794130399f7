import { createReadStream, openAsBlob, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ImportResult } from '../clinical/clinical-service.ts';
import { createServices } from '../app.ts';
import type { ImportVariantsRequest, ImportVariantsResult } from '../genomics/genomics-service.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { badInput, DomainError, ErrorCode, type InputIssue } from '../errors/domain-error.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { acquireLock, readLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { AuditRecorder } from '../audit/audit-recorder.ts';
import { AUDIT_SUCCESS, auditOutcomeOf } from '../audit/build-audit-event.ts';
import type { Role } from '../auth/roles.ts';
import { mintSiteToken } from './auth-command.ts';

/** Where a data-changing CLI command sends its work: a running site's API, or the store itself. */
export interface SiteTarget {
  description: string;
  importBundle(json: unknown, source: string): Promise<ImportResult>;
  /** Imports tile files (in order) for a slide; `onProgress` hears how many tiles are done. */
  importTiles(files: readonly string[], request: { patientId: string; slideId: string }, onProgress?: (done: number) => void): Promise<TileImportSummary[]>;
  /** Imports a VCF file; `onProgress` hears how many bytes have been read when the target can tell. */
  importVariants(file: string, request: VcfImportRequest, onProgress?: (bytes: number) => void): Promise<VariantImportSummary>;
  close(): Promise<void>;
}

export interface TileImportSummary {
  slideId: string;
  encoder: string;
  tiles: number;
  kept: number;
  rejected: { reason: string; count: number }[];
}

/** Tiles per request when sending to a running site: each request is one all-or-nothing batch. */
const REMOTE_TILE_BATCH = 500;

export type VcfImportRequest = Omit<ImportVariantsRequest, 'fileName' | 'source' | 'onProgress'>;

/** What the CLI reports of a VCF import, the same through the API or the store. */
export interface VariantImportSummary {
  callSetId: string;
  specimenId: string;
  build: string;
  annotation: string;
  tumorSample: string | null;
  kept: number;
  stats: ImportVariantsResult['stats'];
  tmb: { value: number; method: string; count: number; targetMb: number } | null;
  tmbUnavailable: string | null;
  reportedObservations: number;
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

const IMPORT_VARIANTS_MUTATION = `mutation ImportVariants($patientId: ID!, $file: File!, $specimenId: String, $build: GenomeBuild, $tumorSample: String,
    $minDepth: Int, $minVaf: Float, $tmbMethod: TmbMethod, $tmbTargetMb: Float) {
  importVariants(patientId: $patientId, file: $file, specimenId: $specimenId, build: $build, tumorSample: $tumorSample,
      minDepth: $minDepth, minVaf: $minVaf, tmbMethod: $tmbMethod, tmbTargetMb: $tmbTargetMb) {
    callSetId specimenId build annotation tumorSample kept stats tmbUnavailable reportedObservations
    tmb { value method count targetMb }
  }
}`;

const IMPORT_TILES_MUTATION = `mutation ImportTiles($patientId: ID!, $slideId: String!, $files: [File!]!) {
  importTiles(patientId: $patientId, slideId: $slideId, files: $files) { slideId encoder tiles kept rejected { reason count } }
}`;

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string; issues?: InputIssue[] } }[];
}

/** The data of a GraphQL answer, or its first error as a DomainError. */
async function answerOf<T>(res: Response, field: string): Promise<T> {
  const answer = (await res.json().catch(() => ({}))) as GraphqlAnswer;
  const result = answer.data?.[field];
  if (result) return result as T;
  const first = answer.errors?.[0];
  const code = (first?.extensions?.code ?? (res.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_INPUT')) as ErrorCode;
  const known = Object.values(ErrorCode).includes(code) ? code : ErrorCode.UPSTREAM_FAILED;
  throw new DomainError(known, first?.message ?? `site answered HTTP ${res.status}`, first?.extensions?.issues ?? []);
}

async function post(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw new DomainError(ErrorCode.UPSTREAM_FAILED, `cannot reach ${url}: ${(err as Error).message}`);
  }
}

/** The Authorization header for a call as `role`, or none. */
export type TokenSource = (role: Role) => Promise<string | undefined>;

/**
 * Talks to a running site through its GraphQL API (`importFhirBundle`), with a token for each
 * call: an `ehr` one for Bundles, a `lab` one for VCFs and tiles.
 */
export function remoteTarget(baseUrl: string, tokenFor: TokenSource = async () => undefined): SiteTarget {
  const base = baseUrl.replace(/\/+$/, '');
  const auth = async (role: Role): Promise<Record<string, string>> => {
    const token = await tokenFor(role);
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  return {
    description: `site at ${base}`,
    async importBundle(json) {
      const res = await post(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(await auth('ehr')) },
        body: JSON.stringify({ query: IMPORT_MUTATION, variables: { bundle: json } }),
      });
      return answerOf<ImportResult>(res, 'importFhirBundle');
    },
    async importTiles(files, request, onProgress) {
      const results: TileImportSummary[] = [];
      for (let start = 0; start < files.length; start += REMOTE_TILE_BATCH) {
        const batch = files.slice(start, start + REMOTE_TILE_BATCH);
        const form = new FormData();
        form.set('operations', JSON.stringify({ query: IMPORT_TILES_MUTATION, variables: { ...request, files: batch.map(() => null) } }));
        form.set('map', JSON.stringify(Object.fromEntries(batch.map((_, i) => [String(i), [`variables.files.${i}`]]))));
        for (const [i, f] of batch.entries()) form.set(String(i), await openAsBlob(f), basename(f));
        const res = await post(`${base}/graphql`, { method: 'POST', headers: { accept: 'application/graphql-response+json', 'graphql-require-preflight': '1', ...(await auth('lab')) }, body: form });
        results.push(await answerOf<TileImportSummary>(res, 'importTiles'));
        onProgress?.(start + batch.length);
      }
      return results;
    },
    async importVariants(file, request) {
      // GraphQL multipart request: the operation, a map from form field to variable, then the file
      const { patientId, specimenId, build, tumourSample, minDepth, minVaf, tmbMethod, tmbTargetMb } = request;
      const variables = { patientId, file: null, specimenId, build, tumorSample: tumourSample, minDepth, minVaf, tmbMethod: tmbMethod?.toUpperCase(), tmbTargetMb };
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: IMPORT_VARIANTS_MUTATION, variables }));
      form.set('map', JSON.stringify({ 0: ['variables.file'] }));
      form.set('0', await openAsBlob(file), basename(file));
      const res = await post(`${base}/graphql`, { method: 'POST', headers: { accept: 'application/graphql-response+json', 'graphql-require-preflight': '1', ...(await auth('lab')) }, body: form });
      return answerOf<VariantImportSummary>(res, 'importVariants');
    },
    close: async () => undefined,
  };
}

/** Opens the store directly; refuses (pointing at the server) when a running site holds the data directory. */
export async function localTarget(config: Config, logger: Logger): Promise<SiteTarget> {
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  const db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  const { clinical, genomics, pathology } = createServices({ config, db, logger });
  // imports straight into the store are audited like the API's: the operator's account is the client
  const recorder = new AuditRecorder(db, { source: { site: config.siteId, observer: hostname() } });
  const audited = async <T>(name: string, patients: (result: T) => readonly string[], run: () => Promise<T>): Promise<T> => {
    const ctx = { requestId: randomUUID(), clientId: `cli:${userInfo().username}`, role: 'admin' };
    const op = { channel: 'cli' as const, name, interaction: 'import' as const };
    try {
      const result = await run();
      await recorder.record(ctx, op, patients(result), AUDIT_SUCCESS);
      return result;
    } catch (err) {
      await recorder.record(ctx, op, [], auditOutcomeOf(err)).catch(() => undefined);
      throw err;
    }
  };
  return {
    description: config.databaseUrl ? 'database at DATABASE_URL' : `data directory ${config.dataDir}`,
    importBundle: (json, source) => audited('import fhir', (r: ImportResult) => r.patientIds, () => clinical.importBundle(json, source)),
    async importTiles(files, request, onProgress) {
      const result = await audited('import tiles', () => [request.patientId], () => pathology.importTiles(
        (async function* () {
          for (const f of files) yield { name: basename(f), bytes: await readFile(f) };
        })(),
        { ...request, source: 'cli', ...(onProgress ? { onProgress } : {}) },
      ));
      return [{ slideId: result.slideId, encoder: result.encoder, tiles: result.tiles, kept: result.kept, rejected: result.rejected }];
    },
    async importVariants(file, request, onProgress) {
      const size = statSync(file).size;
      if (size > config.limits.maxUploadBytes) throw badInput(`${file}: ${size} bytes is over the ${config.limits.maxUploadBytes}-byte limit`);
      async function* counted(): AsyncGenerator<Uint8Array> {
        let read = 0;
        for await (const chunk of createReadStream(file)) {
          read += (chunk as Buffer).length;
          onProgress?.(read);
          yield chunk as Buffer;
        }
      }
      const r = await audited('import vcf', () => [request.patientId], () => genomics.importVariants(counted(), { ...request, fileName: basename(file), source: 'cli' }));
      return {
        callSetId: r.callSetId,
        specimenId: r.specimenId,
        build: r.build,
        annotation: r.annotation,
        tumorSample: r.tumourSample ?? null,
        kept: r.stats.kept,
        stats: r.stats,
        tmb: 'unavailable' in r.tmb ? null : r.tmb,
        tmbUnavailable: 'unavailable' in r.tmb ? r.tmb.unavailable : null,
        reportedObservations: r.reported,
      };
    },
    async close() {
      await pathology.close();
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
    // a site elsewhere: the caller brings a token (SANGAM_TOKEN), as any other client would
    const token = process.env.SANGAM_TOKEN;
    return remoteTarget(options.url, async () => token || undefined);
  }
  const config = loadConfig(process.env, { dataDir: options.dataDir, databaseUrl: options.databaseUrl, logLevel: 'warn' });
  if (!config.databaseUrl) {
    const holder = readLock(config.dataDir);
    if (holder?.url) {
      log(`a site (pid ${holder.pid}) holds ${config.dataDir}; sending through its API at ${holder.url}`);
      // the same machine and data directory: the CLI signs short-lived tokens with the site's key file
      const url = holder.url;
      return remoteTarget(url, async (role) => (await mintSiteToken(config, { role, url, ttlSeconds: 300 })).token);
    }
  }
  return localTarget(config, createLogger({ level: config.logLevel }));
}

/** Opens the target, runs `work` with it and closes it, whatever happens. */
export async function useTarget<T>(options: TargetOptions, log: (line: string) => void, work: (target: SiteTarget) => Promise<T>): Promise<T> {
  const target = await openTarget(options, log);
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}
