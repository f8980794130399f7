import { Writable } from 'node:stream';
import { createApp, type Site } from '../../src/app.ts';
import { loadConfig, type ConfigOverrides } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { Database } from '../../src/storage/port.ts';

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
  const site = createApp({ config, db, logger });
  const logs: LogCapture = {
    get lines() {
      return chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text: () => chunks.join(''),
  };
  return { ...site, logs };
}

/** Sends one GraphQL operation with supertest-like semantics through the express app. */
export async function gql(
  app: Site['app'],
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; body: { data?: any; errors?: any[] } }> {
  const { default: request } = await import('supertest');
  const res = await request(app).post('/graphql').set('content-type', 'application/json').send({ query, variables });
  return { status: res.status, body: res.body as { data?: any; errors?: any[] } };
}
