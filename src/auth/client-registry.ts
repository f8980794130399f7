import type { JSONWebKeySet, JWK } from 'jose';
import { z } from 'zod';
import { badInput } from '../errors/domain-error.ts';
import type { SqlClient } from '../storage/port.ts';
import { ROLES, type Role } from './roles.ts';
import { formatScope, parseScopes, type SmartScope } from './scopes.ts';

/** A Backend Services client as the token endpoint sees it. */
export interface RegisteredClient {
  clientId: string;
  role: Role;
  /** the scopes it is pre-authorised for; a token request is narrowed to these */
  scopes: readonly SmartScope[];
  /** its public keys inline, or where to fetch them: exactly one */
  jwks?: JSONWebKeySet;
  jwksUri?: string;
}

/** Where the token endpoint looks clients up. */
export interface ClientRegistry {
  find(clientId: string): Promise<RegisteredClient | undefined>;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

// SMART client-confidential-asymmetric: each JWK has kty and kid, and "bare key" members
const jwkSchema = z
  .looseObject({ kty: z.enum(['RSA', 'EC']), kid: z.string().min(1).max(256) })
  .refine((k) => PRIVATE_MEMBERS.every((m) => !(m in k)), 'a registered JWK must be a public key (no private members)')
  .refine((k) => (k.kty === 'RSA' ? typeof k.n === 'string' && typeof k.e === 'string' : ['crv', 'x', 'y'].every((m) => typeof k[m] === 'string')), 'RSA keys need n and e; EC keys need crv, x and y');

const jwksUriSchema = z
  .url()
  .max(2048)
  .refine((u) => {
    const url = new URL(u);
    // SMART requires TLS for the JWKS URL; plain http is accepted on loopback for development and tests
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  }, 'jwksUri must be https (http only on loopback)');

const registrationSchema = z
  .strictObject({
    clientId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : -, at most 128'),
    role: z.enum(ROLES),
    /** space-separated SMART scopes the client may be granted */
    scopes: z.string().min(1).max(4096),
    jwks: z.strictObject({ keys: z.array(jwkSchema).min(1).max(20) }).optional(),
    jwksUri: jwksUriSchema.optional(),
  })
  .refine((r) => (r.jwks === undefined) !== (r.jwksUri === undefined), { message: 'give exactly one of jwks and jwksUri', path: ['jwks'] });

/** What an administrator registers; validated here, so it may come straight from a CLI or API. */
export interface ClientRegistration {
  clientId: string;
  role: Role;
  /** space-separated SMART scopes the client may be granted */
  scopes: string;
  /** the client's public JWK Set (SMART: "strongly discouraged"; prefer jwksUri) */
  jwks?: JSONWebKeySet;
  /** https URL of the client's JWK Set */
  jwksUri?: string;
}

interface ClientRow {
  client_id: string;
  role: Role;
  scopes: string;
  jwks: JSONWebKeySet | null;
  jwks_uri: string | null;
}

function toClient(row: ClientRow): RegisteredClient {
  return {
    clientId: row.client_id,
    role: row.role,
    scopes: parseScopes(row.scopes).scopes,
    ...(row.jwks ? { jwks: row.jwks } : {}),
    ...(row.jwks_uri ? { jwksUri: row.jwks_uri } : {}),
  };
}

/**
 * Registers (or re-registers, replacing keys, role and scopes) a Backend Services client
 * (https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html#registering-a-client-communicating-public-keys).
 */
export async function registerClient(db: SqlClient, registration: ClientRegistration): Promise<RegisteredClient> {
  const parsed = registrationSchema.safeParse(registration);
  if (!parsed.success) {
    throw badInput(
      'invalid client registration',
      parsed.error.issues.map((i) => ({ expression: i.path.join('.'), message: i.message })),
    );
  }
  const r = parsed.data;
  const scopes = parseScopes(r.scopes);
  if (scopes.other.length > 0) throw badInput('invalid client registration', [{ expression: 'scopes', message: `not SMART clinical scopes: ${scopes.other.join(' ')}` }]);
  const keys = r.jwks ? { keys: r.jwks.keys.map((k) => k as JWK) } : null;
  const result = await db.query<ClientRow>(
    `INSERT INTO auth_client (client_id, role, scopes, jwks, jwks_uri) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (client_id) DO UPDATE SET role = EXCLUDED.role, scopes = EXCLUDED.scopes, jwks = EXCLUDED.jwks,
       jwks_uri = EXCLUDED.jwks_uri, updated_at = now()
     RETURNING client_id, role, scopes, jwks, jwks_uri`,
    [r.clientId, r.role, scopes.scopes.map(formatScope).join(' '), keys ? JSON.stringify(keys) : null, r.jwksUri ?? null],
  );
  return toClient(result.rows[0] as ClientRow);
}

/** A registered client, or undefined. */
export async function findClient(db: SqlClient, clientId: string): Promise<RegisteredClient | undefined> {
  const r = await db.query<ClientRow>('SELECT client_id, role, scopes, jwks, jwks_uri FROM auth_client WHERE client_id = $1', [clientId]);
  return r.rows[0] ? toClient(r.rows[0]) : undefined;
}

/** Removes a client; its tokens already issued stay valid until they expire (at most minutes). */
export async function removeClient(db: SqlClient, clientId: string): Promise<boolean> {
  const r = await db.query('DELETE FROM auth_client WHERE client_id = $1', [clientId]);
  return r.rowCount > 0;
}

/** The clients registered in the database. */
export function databaseClientRegistry(db: SqlClient): ClientRegistry {
  return { find: (clientId) => findClient(db, clientId) };
}
