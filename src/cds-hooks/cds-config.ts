/**
 * Settings of the CDS Hooks endpoints, read from the environment with zod. A bad setting fails at
 * start-up with the name of the variable it came from.
 */
import { z } from 'zod';

/** An EHR allowed to call: its `iss`, and where its keys may be read. https://cds-hooks.hl7.org/2.0/#trusting-cds-clients */
export const TrustedIssuerSchema = z
  .object({
    iss: z.string().min(1),
    /** JWKS URLs a token's `jku` header may name; a `jku` outside this list is refused */
    jkuAllowlist: z.array(z.string().url()).default([]),
    /** the JWKS URL used when a token carries no `jku` */
    jwksUrl: z.string().url().optional(),
    /** a `tenant` the issuer must send, when the site is one tenant of a multi-tenant EHR */
    tenant: z.string().min(1).optional(),
  })
  .refine((t) => t.jkuAllowlist.length > 0 || t.jwksUrl !== undefined, { message: 'give jkuAllowlist or jwksUrl' });
export type TrustedIssuer = z.output<typeof TrustedIssuerSchema>;

export const CdsHooksConfigSchema = z.object({
  trustedIssuers: z.array(TrustedIssuerSchema).default([]),
  /**
   * The public origin (and path prefix) the EHR calls, e.g. `https://sangam.example.org`: a token's
   * `aud` must equal this plus the path called. Requests' own Host headers are never trusted.
   */
  publicBaseUrl: z.string().url().transform((u) => u.replace(/\/+$/, '')),
  clockSkewSeconds: z.coerce.number().int().min(0).max(300).default(30),
  /** longest exp − iat accepted (the spec asks for short-lived tokens) */
  maxTokenLifetimeSeconds: z.coerce.number().int().min(30).max(3600).default(300),
  maxBodyBytes: z.coerce.number().int().positive().default(1024 * 1024),
  /** most resources read for one patient from prefetch and the EHR's FHIR server together */
  maxRecordResources: z.coerce.number().int().positive().default(5_000),
  /** most search pages followed for one prefetch key */
  maxPagesPerQuery: z.coerce.number().int().positive().default(20),
  fhirTimeoutMs: z.coerce.number().int().positive().default(5_000),
  /** therapy suggestions shown on the patient-view card */
  topTherapies: z.coerce.number().int().min(1).max(10).default(3),
  topTrials: z.coerce.number().int().min(1).max(10).default(3),
  /** order hooks warn when the predicted probability of response is below this */
  lowResponseThreshold: z.coerce.number().min(0).max(1).default(0.25),
  /** how long a stored patient's therapy suggestions and trial matches are reused (0: never) */
  cacheTtlSeconds: z.coerce.number().int().min(0).max(3600).default(300),
  /** a SMART app showing the patient in Sangam; cards link to it when set */
  smartAppUrl: z.string().url().optional(),
});
export type CdsHooksConfig = z.output<typeof CdsHooksConfigSchema>;
export type CdsHooksConfigInput = z.input<typeof CdsHooksConfigSchema>;

/** The environment variable behind each setting. */
export const CDS_ENV: Readonly<Record<string, string>> = {
  trustedIssuers: 'SANGAM_CDS_TRUSTED_ISSUERS',
  publicBaseUrl: 'SANGAM_CDS_PUBLIC_BASE_URL',
  clockSkewSeconds: 'SANGAM_CDS_CLOCK_SKEW_SECONDS',
  maxTokenLifetimeSeconds: 'SANGAM_CDS_MAX_TOKEN_LIFETIME_SECONDS',
  maxBodyBytes: 'SANGAM_CDS_MAX_BODY_BYTES',
  maxRecordResources: 'SANGAM_CDS_MAX_RECORD_RESOURCES',
  maxPagesPerQuery: 'SANGAM_CDS_MAX_PAGES_PER_QUERY',
  fhirTimeoutMs: 'SANGAM_CDS_FHIR_TIMEOUT_MS',
  topTherapies: 'SANGAM_CDS_TOP_THERAPIES',
  topTrials: 'SANGAM_CDS_TOP_TRIALS',
  lowResponseThreshold: 'SANGAM_CDS_LOW_RESPONSE_THRESHOLD',
  smartAppUrl: 'SANGAM_CDS_SMART_APP_URL',
  cacheTtlSeconds: 'SANGAM_CDS_CACHE_TTL_SECONDS',
};

/**
 * Reads the CDS Hooks settings from the environment, overrides winning. Throws an Error naming the
 * variable of the first bad setting. The EHR's JWT is checked on every call, always; production
 * also refuses to start with no EHR trusted.
 */
export function loadCdsHooksConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<CdsHooksConfigInput> = {}, mode: 'production' | 'development' | 'test' = 'development'): CdsHooksConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(CDS_ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (key === 'trustedIssuers') {
      try {
        raw[key] = JSON.parse(value) as unknown;
      } catch {
        throw new Error(`invalid setting trustedIssuers (environment variable ${name}): not JSON`);
      }
    } else raw[key] = value;
  }
  const parsed = CdsHooksConfigSchema.safeParse({ ...raw, ...overrides });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const where = CDS_ENV[key] ? ` (environment variable ${CDS_ENV[key]})` : '';
    throw new Error(`invalid setting ${issue?.path.join('.') ?? ''}${where}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.trustedIssuers.length === 0 && mode === 'production') {
    throw new Error(`invalid setting trustedIssuers (environment variable ${CDS_ENV.trustedIssuers}): no EHR is trusted`);
  }
  return parsed.data;
}
