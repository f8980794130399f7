import type { JSONWebKeySet } from 'jose';
import { checkAuthConfig } from '../auth/auth-config.ts';
import { registerClient, removeClient } from '../auth/client-registry.ts';
import { formatScope } from '../auth/scopes.ts';
import { mintLocalToken, type LocalToken } from '../auth/local-token.ts';
import { isRole, ROLES, type Role } from '../auth/roles.ts';
import { loadOrCreateSiteKey, loadOrCreateSiteKeyFile } from '../auth/site-key.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { badInput } from '../errors/domain-error.ts';
import { readLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';
import type { Output } from './commands.ts';
import { readJsonFile } from './import-files.ts';
import { withLocalSite, type LocalSiteOptions } from './local-site.ts';

export interface AuthTokenOptions {
  role: string;
  patient?: string;
  scopes?: string;
  ttl?: string;
  dataDir?: string;
  databaseUrl?: string;
  /** the site's address, when it is not the one its data directory's lock records */
  url?: string;
}

/**
 * The issuer a site verifies its own tokens against: the one a running site recorded in the lock
 * of its data directory (or `--url`), else SANGAM_AUTH_ISSUER, else the configured address.
 */
function siteIssuer(config: Config, url: string | undefined, env: NodeJS.ProcessEnv): { issuer: string; audience: string } {
  const holder = config.databaseUrl ? undefined : readLock(config.dataDir);
  // a running site recorded the issuer it verifies against; that wins over this shell's settings
  const running = url ?? holder?.issuer ?? holder?.url;
  const settings = definedAuthEnv(env);
  const auth = checkAuthConfig(running ? { ...settings, SANGAM_AUTH_ISSUER: running } : settings, config);
  return { issuer: auth.issuer, audience: auth.audience };
}

function definedAuthEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('SANGAM_AUTH_') && v !== undefined && v !== ''));
}

/**
 * Mints a local token with the site's own key: from the key file in a PGlite data directory
 * (readable while the site runs), or from the database at DATABASE_URL.
 */
export async function mintSiteToken(config: Config, options: { role: Role; patient?: string; scopes?: string; ttlSeconds?: number; url?: string }, env: NodeJS.ProcessEnv = process.env): Promise<LocalToken> {
  const { issuer, audience } = siteIssuer(config, options.url, env);
  let key;
  if (config.databaseUrl) {
    const db = await openDatabase({ databaseUrl: config.databaseUrl });
    try {
      key = await loadOrCreateSiteKey(db);
    } finally {
      await db.close();
    }
  } else {
    key = await loadOrCreateSiteKeyFile(config.dataDir);
  }
  return mintLocalToken(key, {
    role: options.role,
    issuer,
    audience,
    ...(options.patient !== undefined ? { patient: options.patient } : {}),
    ...(options.scopes !== undefined ? { scopes: options.scopes } : {}),
    ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
  });
}

/** `sangam auth token --role ROLE [--patient ID]`: prints a short-lived token of the site, and only it, on stdout. */
export async function authTokenCommand(options: AuthTokenOptions, io: Output, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!isRole(options.role)) throw badInput(`--role must be one of ${ROLES.join(', ')}; got ${options.role}`);
  const ttl = options.ttl === undefined ? undefined : Number(options.ttl);
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 1 && ttl <= 3600)) throw badInput(`--ttl must be whole seconds from 1 to 3600; got ${options.ttl}`);
  const config = loadConfig(env, { dataDir: options.dataDir, databaseUrl: options.databaseUrl, logLevel: 'warn' });
  const token = await mintSiteToken(config, {
    role: options.role,
    ...(options.patient !== undefined ? { patient: options.patient } : {}),
    ...(options.scopes !== undefined ? { scopes: options.scopes } : {}),
    ...(ttl !== undefined ? { ttlSeconds: ttl } : {}),
    ...(options.url !== undefined ? { url: options.url } : {}),
  }, env);
  io.err(`${token.role} token${token.patient ? ` for Patient/${token.patient}` : ''}, scopes "${token.scope}", valid until ${token.expiresAt.toISOString()}`);
  io.out(token.token);
}

export interface RegisterClientOptions extends LocalSiteOptions {
  clientId: string;
  role: string;
  scopes: string;
  jwksUri?: string;
  jwks?: string;
}

/**
 * `sangam auth register-client`: registers a SMART Backend Services client (an EHR, a lab, a trial
 * matcher) by its public keys; it then gets tokens from POST /auth/token with a signed assertion.
 */
export async function registerClientCommand(options: RegisterClientOptions, io: Output): Promise<void> {
  if (!isRole(options.role)) throw badInput(`--role must be one of ${ROLES.join(', ')}; got ${options.role}`);
  if ((options.jwksUri === undefined) === (options.jwks === undefined)) throw badInput('give exactly one of --jwks-uri URL and --jwks FILE');
  const jwks = options.jwks !== undefined ? (readJsonFile(options.jwks, 1024 * 1024) as JSONWebKeySet) : undefined;
  await withLocalSite(options, async (_site, db) => {
    const client = await registerClient(db, {
      clientId: options.clientId,
      role: options.role as Role,
      scopes: options.scopes,
      ...(jwks ? { jwks } : {}),
      ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
    });
    io.out(`registered client ${client.clientId} (${client.role}), scopes "${client.scopes.map(formatScope).join(' ')}", keys ${client.jwksUri ?? `${client.jwks?.keys.length ?? 0} inline`}`);
  });
}

/** `sangam auth remove-client ID`: its tokens stop at their expiry; it cannot get new ones. */
export async function removeClientCommand(clientId: string, options: LocalSiteOptions, io: Output): Promise<void> {
  await withLocalSite(options, async (_site, db) => {
    const removed = await removeClient(db, clientId);
    if (!removed) throw badInput(`no client ${clientId} is registered`);
    io.out(`removed client ${clientId}`);
  });
}
