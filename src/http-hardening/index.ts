/**
 * HTTP hardening for the site node: GraphQL document limits (Yoga plugins), per-client rate
 * limiting, security headers and a CORS allowlist (express middleware), and the settings behind
 * them. Only app.ts and graphql/yoga.ts should need this file.
 */
import type { RequestHandler } from 'express';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logging/logger.ts';
import { createCors } from './cors.ts';
import { createGraphqlLimitPlugins } from './graphql-limits.ts';
import type { HardeningConfig } from './hardening-config.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createSecurityHeaders } from './security-headers.ts';

export { createCors, type CorsOptions } from './cors.ts';
export { createGraphqlLimitPlugins, type GraphqlLimitName, type GraphqlLimitOptions } from './graphql-limits.ts';
export { burstOf, HARDENING_ENV, HardeningConfigSchema, loadHardeningConfig, type GraphqlLimits, type HardeningConfig, type HardeningOverrides, type RateLimitSettings } from './hardening-config.ts';
export { createRateLimiter, rateLimitKeyOf, type RateLimitOptions } from './rate-limit.ts';
export { API_CSP, createSecurityHeaders, GRAPHIQL_CSP, type SecurityHeadersOptions } from './security-headers.ts';

export interface HttpHardening {
  /** first in the express chain: headers on every answer, including errors and 429s */
  securityHeaders: RequestHandler;
  /** after securityHeaders, before auth and body parsers: preflights never need a token */
  cors: RequestHandler;
  /** after auth's `authenticate`, before body parsers: counts by client id, else by address */
  rateLimit: RequestHandler;
  /** `createYoga({ plugins })` */
  graphqlPlugins: Plugin[];
}

export interface HttpHardeningOptions {
  config: HardeningConfig;
  /** whether the GraphiQL page is served (it gets its own CSP) */
  graphiql: boolean;
  graphqlPath?: string;
  logger?: Logger;
}

/** Every hardening piece, built from one HardeningConfig. */
export function createHttpHardening(options: HttpHardeningOptions): HttpHardening {
  const { config } = options;
  const graphqlPath = options.graphqlPath ?? '/graphql';
  return {
    securityHeaders: createSecurityHeaders({ graphiql: options.graphiql, graphiqlPath: graphqlPath, hsts: config.hsts, hstsMaxAgeSeconds: config.hstsMaxAgeSeconds }),
    cors: createCors({ origins: config.corsOrigins }),
    rateLimit: createRateLimiter(config.rateLimit),
    graphqlPlugins: createGraphqlLimitPlugins({ ...config.graphql, ...(options.logger ? { logger: options.logger } : {}) }),
  };
}
