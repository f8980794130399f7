import { z } from 'zod';
import { ConfigError } from '../config/config.ts';

/**
 * Settings of the HTTP hardening layer: GraphQL document limits, per-client rate limits, CORS and
 * HSTS. Read from the environment in the style of config/config.ts: a bad value fails at start-up
 * with the name of the setting and its variable.
 */

function isExactOrigin(s: string): boolean {
  if (!URL.canParse(s)) return false;
  const u = new URL(s);
  // an allowlist entry is an exact origin: scheme, host and port, nothing after
  return (u.protocol === 'https:' || u.protocol === 'http:') && s === u.origin;
}

const origin = z.string().refine(isExactOrigin, 'each origin must be scheme://host[:port] with no path, query or trailing slash (and no "*")');

/** A comma-separated list from the environment, or an array from code. */
const originList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(origin).max(100),
);

const flag = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());

export const GraphqlLimitsSchema = z.object({
  /** deepest selection nesting (introspection excepted) */
  maxDepth: z.coerce.number().int().min(1).max(100).default(10),
  /** most aliases in one operation */
  maxAliases: z.coerce.number().int().min(0).max(1_000).default(15),
  /** most lexical tokens in one document */
  maxTokens: z.coerce.number().int().min(100).max(100_000).default(2_000),
  /** most directives in one operation */
  maxDirectives: z.coerce.number().int().min(0).max(1_000).default(20),
  /** largest estimated cost (graphql-armor's cost model: objects 2, scalars 1, ×1.5 per level) */
  maxCost: z.coerce.number().int().min(100).max(1_000_000).default(5_000),
  /** say which limit was hit and by how much (the numbers are not secret; the schema is public) */
  exposeLimits: flag.default(true),
});
export type GraphqlLimits = z.infer<typeof GraphqlLimitsSchema>;

export const RateLimitSchema = z.object({
  /** sustained requests per minute for one client (its OAuth client id, else its address); 0 turns limiting off */
  perMinute: z.coerce.number().int().min(0).max(1_000_000).default(600),
  /** requests a quiet client may send at once (the bucket's size); defaults to perMinute / 6, at least 10 */
  burst: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** clients remembered at once; the least recently seen is forgotten first */
  maxClients: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
});
export type RateLimitSettings = z.infer<typeof RateLimitSchema>;

export const HardeningConfigSchema = z.object({
  graphql: GraphqlLimitsSchema.default(GraphqlLimitsSchema.parse({})),
  rateLimit: RateLimitSchema.default(RateLimitSchema.parse({})),
  /** browser origins allowed to call the API (exact matches); none by default */
  corsOrigins: originList.default([]),
  /** send Strict-Transport-Security on requests that arrived over https */
  hsts: flag.default(true),
  /** HSTS max-age in seconds (one year by default) */
  hstsMaxAgeSeconds: z.coerce.number().int().min(0).max(2 * 365 * 24 * 3600).default(365 * 24 * 3600),
});
export type HardeningConfig = z.infer<typeof HardeningConfigSchema>;

/** The environment variable behind each setting. */
export const HARDENING_ENV: Record<string, string> = {
  'graphql.maxDepth': 'SANGAM_GRAPHQL_MAX_DEPTH',
  'graphql.maxAliases': 'SANGAM_GRAPHQL_MAX_ALIASES',
  'graphql.maxTokens': 'SANGAM_GRAPHQL_MAX_TOKENS',
  'graphql.maxDirectives': 'SANGAM_GRAPHQL_MAX_DIRECTIVES',
  'graphql.maxCost': 'SANGAM_GRAPHQL_MAX_COST',
  'graphql.exposeLimits': 'SANGAM_GRAPHQL_EXPOSE_LIMITS',
  'rateLimit.perMinute': 'SANGAM_RATE_LIMIT_PER_MINUTE',
  'rateLimit.burst': 'SANGAM_RATE_LIMIT_BURST',
  'rateLimit.maxClients': 'SANGAM_RATE_LIMIT_MAX_CLIENTS',
  corsOrigins: 'SANGAM_CORS_ORIGINS',
  hsts: 'SANGAM_HSTS',
  hstsMaxAgeSeconds: 'SANGAM_HSTS_MAX_AGE',
};

export type HardeningOverrides = {
  graphql?: Partial<Record<keyof GraphqlLimits, unknown>>;
  rateLimit?: Partial<Record<keyof RateLimitSettings, unknown>>;
  corsOrigins?: unknown;
  hsts?: unknown;
  hstsMaxAgeSeconds?: unknown;
};

function fromEnv(env: NodeJS.ProcessEnv): Record<string, Record<string, unknown> | unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, name] of Object.entries(HARDENING_ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const [group, key] = path.split('.');
    if (key === undefined) out[group!] = value;
    else out[group!] = { ...(out[group!] as object | undefined), [key]: value };
  }
  return out;
}

/**
 * Reads the hardening settings from the environment and explicit overrides (overrides win).
 * Throws ConfigError naming the bad setting and its environment variable.
 */
export function loadHardeningConfig(env: NodeJS.ProcessEnv = process.env, overrides: HardeningOverrides = {}): HardeningConfig {
  const base = fromEnv(env) as HardeningOverrides;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged = {
    ...base,
    ...defined,
    graphql: { ...base.graphql, ...overrides.graphql },
    rateLimit: { ...base.rateLimit, ...overrides.rateLimit },
  };
  const parsed = HardeningConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    // an issue inside a list (corsOrigins.2) is reported against the list's variable
    const path = first?.path.filter((p) => typeof p === 'string').join('.') ?? '';
    const source = HARDENING_ENV[path] ? ` (environment variable ${HARDENING_ENV[path]})` : '';
    throw new ConfigError(`invalid setting ${path}${source}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The bucket size a rate-limit setting means once its default is filled in. */
export function burstOf(settings: RateLimitSettings): number {
  return settings.burst ?? Math.max(10, Math.ceil(settings.perMinute / 6));
}
