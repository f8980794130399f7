import type { ImportResult } from '../clinical/clinical-service.ts';
import { pullPatientRecords } from '../clinical/pull/pull-records.ts';
import { loadConfig } from '../config/config.ts';
import type { JWK } from 'jose';
import { backendServicesClient, discoverTokenUrl } from '../auth/backend-services-client.ts';
import { badInput, isDomainError } from '../errors/domain-error.ts';
import { createLogger } from '../logging/logger.ts';
import { closeOnSignals, startSite } from '../main.ts';
import type { SiteNode } from '../federation/node/index.ts';
import { seedDemoIfEmpty } from './seed-examples.ts';
import { startServeParticipant, type ParticipantFlags } from './site-command.ts';
import { listJsonFiles, readJsonFile } from './import-files.ts';
import { openTarget, type TargetOptions } from './site-target.ts';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Prints an error the way a person at a terminal wants it: the message, then each located issue. */
export function printError(io: Output, prefix: string, err: unknown): void {
  if (isDomainError(err)) {
    io.err(`${prefix}${err.message}`);
    for (const i of err.issues) {
      const where = i.expression ?? (i.line !== undefined ? `line ${i.line}` : i.entry !== undefined ? `entry ${i.entry}` : (i.file ?? ''));
      io.err(`  ${where}: ${i.message}`);
    }
  } else {
    io.err(`${prefix}${err instanceof Error ? err.message : String(err)}`);
  }
}

function summarise(result: ImportResult): string {
  const count = (o: string) => result.entries.filter((e) => e.outcome === o).length;
  return `${result.entries.length} resources (${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged); patients: ${result.patientIds.join(', ') || 'none changed'}`;
}

export interface ServeOptions extends ParticipantFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  demo?: boolean;
  /** a coordinator to take part in federated training with */
  coordinator?: string;
}

/** `sangam serve`: runs a site node until SIGTERM. */
export async function serveCommand(options: ServeOptions, io: Output): Promise<void> {
  const config = loadConfig(process.env, { port: options.port, host: options.host, dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  const logger = createLogger({ level: config.logLevel });
  const site = await startSite(config, logger);
  let participant: SiteNode | undefined;
  try {
    participant = options.coordinator ? startServeParticipant(site, options.coordinator, options, config, logger, io) : undefined;
  } catch (err) {
    await site.close();
    throw err;
  }
  // the participant stops before the site closes the database under it
  const stopping = participant;
  closeOnSignals(stopping ? { ...site, close: async () => (await stopping.stop(), await site.close()) } : site, logger);
  if (options.demo) {
    const seeded = await seedDemoIfEmpty(site);
    if (seeded.examples + seeded.cohort > 0) {
      io.out(
        `Seeded ${seeded.examples} example patient records and ${seeded.cohort} synthetic patients of demo site ${seeded.site}, with ${seeded.vcfs} VCFs and ${seeded.tiles} H&E tiles (the store was empty).`,
      );
    }
  }
  io.out(`Sangam site node is running (${site.db.kind === 'pglite' ? `embedded store in ${config.dataDir}` : 'PostgreSQL'})`);
  io.out(`  GraphQL:  ${site.url}/graphql${config.env !== 'production' ? ' (GraphiQL in a browser)' : ''}`);
  io.out(`  FHIR:     ${site.url}/fhir  (POST a Bundle; GET /fhir/metadata)`);
  io.out(`  CDS Hooks: ${site.url}/cds-services  (EHR JWTs from SANGAM_CDS_TRUSTED_ISSUERS)`);
  io.out(`  Health:   ${site.url}/health  ${site.url}/ready`);
  const models = site.models.active();
  if (models.length > 0) io.out(`  Models:   ${models.map((m) => `${m.name}@${m.version}${m.training.synthetic ? ' (synthetic training data)' : ''}`).join(', ')}`);
  if (site.authConfig.printDevelopmentToken) {
    const dev = await site.auth.mintToken({ role: 'clinician', ttlSeconds: 3600 });
    io.out(`  Token:    a clinician token for development, valid until ${dev.expiresAt.toISOString()} (sangam auth token --role ROLE for others):`);
    io.out(`            Authorization: Bearer ${dev.token}`);
  }
  if (participant) io.out(`  Federation: ${options.federation} at ${options.coordinator} as site ${options.site} (public key ${participant.publicKey})`);
}

/** `sangam import fhir <path>`: imports each JSON file as one all-or-nothing Bundle. Returns the number of failed files. */
export async function importFhirCommand(path: string, options: TargetOptions, io: Output): Promise<number> {
  const files = listJsonFiles(path);
  if (files.length === 0) {
    io.err(`no .json files under ${path}`);
    return 1;
  }
  const maxBytes = loadConfig(process.env, {}).limits.maxBodyBytes;
  const target = await openTarget(options, io.out);
  let failed = 0;
  // Ctrl-C stops after the file being imported, so the store is closed cleanly, never mid-write
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    io.err('interrupted: stopping after the current file');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (const file of files) {
      if (interrupted) {
        failed++;
        continue;
      }
      try {
        const result = await target.importBundle(readJsonFile(file, maxBytes), 'cli');
        io.out(`${file}: ${summarise(result)}`);
        for (const w of result.warnings) io.out(`  warning ${w.expression ?? ''}: ${w.message}`);
      } catch (err) {
        failed++;
        printError(io, `${file}: `, err);
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await target.close();
  }
  io.out(`${files.length - failed} of ${files.length} files imported into the ${target.description}`);
  return failed;
}

export interface SyncOptions extends TargetOptions {
  fhirUrl: string;
  patient?: string;
  pageSize?: string;
  token?: string;
  /** SMART Backend Services at the EHR: the site's client id, private JWK file, scopes and token URL */
  clientId?: string;
  privateKey?: string;
  scope?: string;
  tokenUrl?: string;
}

/** The token source for an EHR that wants SMART Backend Services, or undefined when none is configured. */
async function ehrTokenSource(options: SyncOptions): Promise<(() => Promise<string>) | undefined> {
  if (options.clientId === undefined && options.privateKey === undefined) return undefined;
  if (!options.clientId || !options.privateKey) throw badInput('SMART Backend Services needs both --client-id and --private-key');
  if (options.token) throw badInput('give either --token or --client-id with --private-key, not both');
  const jwk = readJsonFile(options.privateKey, 64 * 1024) as JWK & { keys?: JWK[] };
  const privateJwk = Array.isArray(jwk.keys) ? jwk.keys.find((k) => k.d !== undefined) : jwk;
  if (!privateJwk || typeof privateJwk.d !== 'string') throw badInput(`${options.privateKey} holds no private key`);
  const alg: string = privateJwk.alg ?? (privateJwk.kty === 'EC' ? 'ES384' : 'RS384');
  if (alg !== 'RS384' && alg !== 'ES384') throw badInput(`SMART Backend Services signs with RS384 or ES384; the key says ${alg}`);
  const tokenUrl = options.tokenUrl ?? (await discoverTokenUrl(options.fhirUrl));
  const client = backendServicesClient({ tokenUrl, clientId: options.clientId, privateJwk, alg, scope: options.scope ?? 'system/*.rs' });
  return () => client.accessToken();
}

/** `sangam sync`: pulls patients from an EHR's FHIR server and imports each record. Returns failures. */
export async function syncCommand(options: SyncOptions, io: Output): Promise<number> {
  const config = loadConfig(process.env, {});
  const accessToken = await ehrTokenSource(options);
  const target = await openTarget(options, io.out);
  let ok = 0;
  let failed = 0;
  try {
    const records = pullPatientRecords({
      baseUrl: options.fhirUrl,
      ...(options.patient ? { patientId: options.patient } : {}),
      ...(options.pageSize ? { pageSize: Number(options.pageSize) } : {}),
      ...(options.token ? { bearerToken: options.token } : {}),
      ...(accessToken ? { accessToken } : {}),
      // a record larger than one import accepts would be pulled in full only to be refused
      maxResourcesPerPatient: Math.min(config.limits.maxResourcesPerPatient, config.limits.maxBundleEntries),
    });
    for await (const record of records) {
      const bundle = { resourceType: 'Bundle', type: 'collection', entry: record.resources.map((resource) => ({ resource })) };
      try {
        const result = await target.importBundle(bundle, `sync ${options.fhirUrl}`);
        ok++;
        io.out(`Patient/${record.patientId}: ${summarise(result)}`);
      } catch (err) {
        failed++;
        printError(io, `Patient/${record.patientId}: `, err);
      }
    }
  } finally {
    await target.close();
  }
  io.out(`${ok} patients synced from ${options.fhirUrl}${failed ? `, ${failed} failed` : ''}`);
  return failed;
}
