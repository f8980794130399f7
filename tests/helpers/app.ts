import { Writable } from 'node:stream';
import { createApp, type Site } from '../../src/app.ts';
import { loadConfig, type ConfigOverrides } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { Database } from '../../src/storage/port.ts';
import type { Role } from '../../src/auth/roles.ts';
import { checkAuthConfig } from '../../src/auth/auth-config.ts';
import { loadHardeningConfig } from '../../src/http-hardening/index.ts';
import { loadCdsHooksConfig } from '../../src/cds-hooks/index.ts';

/** Everything the app logged during a test, one parsed JSON object a line. */
export interface LogCapture {
  lines: Record<string, unknown>[];
  text(): string;
}

/** Builds the app on a given database with logs captured in memory. */
export function buildTestApp(db: Database, overrides: ConfigOverrides = {}): Site & { logs: LogCapture } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const config = loadConfig({}, { env: 'test', ...overrides });
  const logger = createLogger({ level: 'info', destination });
  // production refuses default auth settings; tests of production behaviour bring the test ones
  // the suite sends thousands of requests as one local client; the rate limit has tests of its own
  const hardening = loadHardeningConfig({}, { rateLimit: { perMinute: 1_000_000, burst: 1_000_000 } });
  const auth = checkAuthConfig({}, { ...config, env: 'test' });
  const cds = loadCdsHooksConfig({}, { publicBaseUrl: auth.issuer }, 'test');
  const site = createApp({ config, db, logger, auth, cds, hardening });
  const logs: LogCapture = {
    get lines() {
      return chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text: () => chunks.join(''),
  };
  return { ...site, logs };
}

/** Who a test request comes from: a role (default `ehr`, which reads and imports), optionally held to one patient. */
export interface Caller {
  role?: Role;
  patient?: string;
  scopes?: string;
}

type Authenticating = Pick<Site, 'auth'>;

const cachedTokens = new WeakMap<Authenticating['auth'], Map<string, Promise<string>>>();

/** `Bearer <token>` for a local token of the site (minted once per site and caller, valid 15 minutes). */
export function bearer(site: Authenticating, caller: Caller = {}): Promise<string> {
  const role = caller.role ?? 'ehr';
  let byCaller = cachedTokens.get(site.auth);
  if (!byCaller) cachedTokens.set(site.auth, (byCaller = new Map()));
  const key = `${role}|${caller.patient ?? ''}|${caller.scopes ?? ''}`;
  let token = byCaller.get(key);
  if (!token) {
    token = site.auth
      .mintToken({ role, ...(caller.patient ? { patient: caller.patient } : {}), ...(caller.scopes !== undefined ? { scopes: caller.scopes } : {}) })
      .then((t) => `Bearer ${t.token}`);
    byCaller.set(key, token);
  }
  return token;
}

/** Sends one GraphQL operation through the site's express app, as `caller` (an `ehr` system by default). */
export async function gql(
  site: Pick<Site, 'app' | 'auth'>,
  query: string,
  variables: Record<string, unknown> = {},
  caller: Caller = {},
): Promise<{ status: number; body: { data?: any; errors?: any[] } }> {
  const { default: request } = await import('supertest');
  const res = await request(site.app)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', await bearer(site, caller))
    .send({ query, variables });
  return { status: res.status, body: res.body as { data?: any; errors?: any[] } };
}
