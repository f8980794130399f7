import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after } from 'node:test';
import express from 'express';
import { importJWK, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import type { Principal } from '../../src/auth/principal.ts';
import type { Role } from '../../src/auth/roles.ts';
import { parseScopes } from '../../src/auth/scopes.ts';

const FIXTURES = new URL('../fixtures/smart/', import.meta.url);

function jwks(name: string): JSONWebKeySet {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as JSONWebKeySet;
}

/** A SMART spec example key pair (tests/fixtures/smart, PROVENANCE.md). */
export interface SpecKey {
  alg: 'RS384' | 'ES384';
  kid: string;
  publicJwks: JSONWebKeySet;
  privateJwk: JWK;
}

function specKey(alg: 'RS384' | 'ES384'): SpecKey {
  const publicJwks = jwks(`${alg}.public.json`);
  const privateJwk = jwks(`${alg}.private-EXAMPLE-ONLY.json`).keys.find((k) => k.d !== undefined) as JWK;
  return { alg, kid: privateJwk.kid as string, publicJwks, privateJwk };
}

export const RS384_KEY = specKey('RS384');
export const ES384_KEY = specKey('ES384');

export async function privateKeyOf(key: SpecKey): Promise<CryptoKey> {
  return (await importJWK(key.privateJwk, key.alg)) as CryptoKey;
}

export interface AssertionOptions {
  clientId: string;
  aud: string;
  /** seconds from now (default 240) */
  expIn?: number;
  jti?: string;
  iss?: string;
  sub?: string;
  kid?: string;
  jku?: string;
  iat?: number;
  nbf?: number;
  now?: Date;
}

let counter = 0;

/** A private_key_jwt client assertion signed with a spec key, every claim overridable. */
export async function signAssertion(key: SpecKey, o: AssertionOptions): Promise<string> {
  const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = {
    iss: o.iss ?? o.clientId,
    sub: o.sub ?? o.clientId,
    aud: o.aud,
    exp: now + (o.expIn ?? 240),
    jti: o.jti ?? `jti-${process.pid}-${Date.now()}-${counter++}`,
  };
  if (o.iat !== undefined) claims.iat = o.iat;
  if (o.nbf !== undefined) claims.nbf = o.nbf;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: o.kid ?? key.kid, typ: 'JWT', ...(o.jku ? { jku: o.jku } : {}) })
    .sign(await privateKeyOf(key));
}

/** A JWT with a chosen (unsafe) header, signed or not: for the alg=none and HS256 attacks. */
export function forgeJwt(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

/** Flips one character in the signature part of a JWT. */
export function tamperSignature(jwt: string): string {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const i = Math.floor(s.length / 2);
  const swapped = s[i] === 'A' ? 'B' : 'A';
  return `${h}.${p}.${s.slice(0, i)}${swapped}${s.slice(i + 1)}`;
}

/** Serves a JWKS on an ephemeral loopback port, counting the fetches. Closed when the file ends. */
export async function serveJwks(keys: JSONWebKeySet): Promise<{ url: string; hits: () => number; set(k: JSONWebKeySet): void }> {
  let current = keys;
  let hits = 0;
  const app = express();
  app.get('/jwks.json', (_req, res) => {
    hits++;
    res.json(current);
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jwks.json`, hits: () => hits, set: (k) => (current = k) };
}

/** A principal as a verifier would build it. */
export function principal(role: Role, scope: string, patient?: string): Principal {
  return {
    subject: `test-${role}`,
    clientId: `client-${role}`,
    role,
    scopes: parseScopes(scope).scopes,
    ...(patient !== undefined ? { patient } : {}),
    tokenId: 'jti-test',
    issuer: 'https://site.test',
  };
}
