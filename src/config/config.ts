import { z } from 'zod';

/** Size limits on everything a stranger can send. */
export const LimitsSchema = z.object({
  /** largest request body accepted on /graphql and /fhir */
  maxBodyBytes: z.coerce.number().int().positive().default(16 * 1024 * 1024),
  /** most entries in one Bundle */
  maxBundleEntries: z.coerce.number().int().positive().default(10_000),
  /** most resources pulled for one patient by `sangam sync` */
  maxResourcesPerPatient: z.coerce.number().int().positive().default(50_000),
  /** largest uploaded file (a VCF or a tile batch through GraphQL multipart, a VCF read by the CLI) */
  maxUploadBytes: z.coerce.number().int().positive().default(256 * 1024 * 1024),
  /** most records in one VCF */
  maxVcfRecords: z.coerce.number().int().positive().default(2_000_000),
  /** most tiles in one import (a slide can arrive in several) */
  maxTilesPerImport: z.coerce.number().int().positive().default(20_000),
});
export type Limits = z.infer<typeof LimitsSchema>;

export const ConfigSchema = z.object({
  env: z.enum(['development', 'production', 'test']).default('development'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65_535).default(4000),
  /** PGlite data directory, used when no databaseUrl is given */
  dataDir: z.string().min(1).default('./.sangam'),
  /** this site's name in audit records and federation (not a secret, not PHI) */
  siteId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9\-_.]{0,63}$/, 'letters, digits, - _ and ., at most 64').default('local-site'),
  /** a PostgreSQL server; replaces the embedded PGlite store */
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** card of an ONNX tile encoder; tiles get the built-in feature vector without one */
  tileEncoderCard: z.string().min(1).optional(),
  /** worker threads for tile processing (default: one per core) */
  tileThreads: z.coerce.number().int().min(1).max(64).optional(),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Start-up configuration error: names the setting that is wrong. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const envNames: Record<string, string> = {
  env: 'SANGAM_ENV',
  host: 'SANGAM_HOST',
  port: 'PORT',
  dataDir: 'SANGAM_DATA_DIR',
  siteId: 'SANGAM_SITE_ID',
  databaseUrl: 'DATABASE_URL',
  logLevel: 'LOG_LEVEL',
  'limits.maxBodyBytes': 'SANGAM_MAX_BODY_BYTES',
  'limits.maxBundleEntries': 'SANGAM_MAX_BUNDLE_ENTRIES',
  'limits.maxResourcesPerPatient': 'SANGAM_MAX_RESOURCES_PER_PATIENT',
  'limits.maxUploadBytes': 'SANGAM_MAX_UPLOAD_BYTES',
  'limits.maxVcfRecords': 'SANGAM_MAX_VCF_RECORDS',
  'limits.maxTilesPerImport': 'SANGAM_MAX_TILES_PER_IMPORT',
  tileEncoderCard: 'SANGAM_TILE_ENCODER',
  tileThreads: 'SANGAM_TILE_THREADS',
};

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const limits: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (key.startsWith('limits.')) limits[key.slice(7)] = value;
    else out[key] = value;
  }
  if (Object.keys(limits).length > 0) out.limits = limits;
  return out;
}

export interface ConfigOverrides {
  [key: string]: unknown;
  limits?: Partial<Record<keyof Limits, unknown>>;
}

/**
 * Builds the configuration from the environment and explicit overrides (CLI flags win).
 * Fails with the name of the bad setting and the variable it came from.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const base = fromEnv(env);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged = {
    ...base,
    ...defined,
    limits: { ...(base.limits as object | undefined), ...(overrides.limits ?? {}) },
  };
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first?.path.join('.') ?? '';
    const source = envNames[path] ? ` (environment variable ${envNames[path]} or its flag)` : '';
    throw new ConfigError(`invalid setting ${path}${source}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
