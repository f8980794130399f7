import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import type { SqlClient } from '../storage/port.ts';

/** The algorithm of the site's own tokens: SMART's recommended ES384. */
export const SITE_KEY_ALG = 'ES384';

/** The key pair that signs this site's access tokens. */
export interface SiteKey {
  /** the RFC 7638 thumbprint of the public key */
  kid: string;
  alg: typeof SITE_KEY_ALG;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** the public JWK Set, served at /.well-known/jwks.json and trusted by the verifier */
  jwks: JSONWebKeySet;
}

interface KeyRow {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
}

async function toSiteKey(row: KeyRow): Promise<SiteKey> {
  const privateKey = (await importJWK(row.private_jwk, SITE_KEY_ALG, { extractable: true })) as CryptoKey;
  return { kid: row.kid, alg: SITE_KEY_ALG, privateKey, publicJwk: row.public_jwk, jwks: { keys: [row.public_jwk] } };
}

async function readActive(db: SqlClient): Promise<KeyRow | undefined> {
  const r = await db.query<KeyRow>('SELECT kid, private_jwk, public_jwk FROM auth_site_key WHERE retired_at IS NULL');
  return r.rows[0];
}

async function generateKeyRow(): Promise<KeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(SITE_KEY_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    public_jwk: { ...publicJwk, kid, alg: SITE_KEY_ALG, use: 'sig' },
    private_jwk: { ...(await exportJWK(privateKey)), kid, alg: SITE_KEY_ALG },
  };
}

/**
 * The site's active signing key, generated and stored on first use. The private half lives in the
 * site's own database (never in logs or responses), so database backups must be protected as the
 * key itself is. Two processes starting together on one server end up with the same key: the
 * table admits one active row and the loser of the insert reads the winner's.
 */
export async function loadOrCreateSiteKey(db: SqlClient): Promise<SiteKey> {
  const existing = await readActive(db);
  if (existing) return toSiteKey(existing);
  const row = await generateKeyRow();
  await db.query(
    `INSERT INTO auth_site_key (kid, alg, private_jwk, public_jwk) VALUES ($1, $2, $3::jsonb, $4::jsonb) ON CONFLICT DO NOTHING`,
    [row.kid, SITE_KEY_ALG, JSON.stringify(row.private_jwk), JSON.stringify(row.public_jwk)],
  );
  const active = await readActive(db);
  if (!active) throw new Error('the site signing key could not be stored');
  return toSiteKey(active);
}

/**
 * A loader that reads (or creates) the site key once, from the database or with a given loader
 * (loadOrCreateSiteKeyFile), for code built before the database is read.
 */
export function lazySiteKey(source: SqlClient | (() => Promise<SiteKey>)): () => Promise<SiteKey> {
  const load = typeof source === 'function' ? source : () => loadOrCreateSiteKey(source);
  let key: Promise<SiteKey> | undefined;
  return () => {
    key ??= load();
    key.catch(() => (key = undefined));
    return key;
  };
}

/** The key file in a PGlite data directory (see loadOrCreateSiteKeyFile). */
export const SITE_KEY_FILE = 'sangam-site-key.json';

/**
 * The site key kept as a file (mode 0600) in the PGlite data directory instead of the database.
 * PGlite admits one process per directory, so `sangam auth token --data-dir DIR` could not read
 * the key from the database while the site runs; it can read this file. Created by linking a
 * finished temporary file into place, so two processes starting together keep one key.
 */
export async function loadOrCreateSiteKeyFile(dataDir: string): Promise<SiteKey> {
  const path = join(dataDir, SITE_KEY_FILE);
  const read = async () => toSiteKey(JSON.parse(readFileSync(path, 'utf8')) as KeyRow);
  try {
    return await read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = `${path}.${randomUUID()}.tmp`;
  writeFileSync(tmp, JSON.stringify(await generateKeyRow()), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  return read();
}
