import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { isDomainError, type DomainError } from '../../src/errors/domain-error.ts';
import type { Database } from '../../src/storage/port.ts';

/**
 * The shared shape of every fuzzed input surface: an arbitrary, and a target that feeds one input
 * to the real code and says what became of it. The normal suite runs a few hundred cases per
 * surface (fc.assert, which shrinks a failure to a small example); scripts/fuzz.ts runs thousands
 * and counts failures instead of stopping at the first.
 */

export type Verdict =
  | { kind: 'accepted' }
  | { kind: 'refused'; code: string; status?: number }
  /** a thrown error that is not a DomainError, an unhandled rejection, a hang */
  | { kind: 'crash'; detail: string }
  /** an HTTP 5xx, or a GraphQL INTERNAL_SERVER_ERROR */
  | { kind: 'server-error'; status: number; detail: string }
  /** a refused input that still changed the store, or a refusal that says nowhere what was wrong */
  | { kind: 'violation'; detail: string };

export const isFailure = (v: Verdict) => v.kind === 'crash' || v.kind === 'server-error' || v.kind === 'violation';

export interface FuzzTarget<T> {
  run(input: T): Promise<Verdict>;
  close(): Promise<void>;
}

export interface FuzzSurface<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  open(): Promise<FuzzTarget<T>>;
  /** short text naming an input in a report */
  describe?(input: T): string;
}

/** What a service call became: accepted, refused with a DomainError, or a crash. */
export async function verdictOf(call: () => Promise<unknown>, located?: (err: DomainError) => boolean): Promise<Verdict> {
  try {
    await call();
    return { kind: 'accepted' };
  } catch (err) {
    if (!isDomainError(err)) return { kind: 'crash', detail: describeError(err) };
    if (err.code === 'BAD_INPUT' && located && !located(err)) {
      return { kind: 'violation', detail: `unlocated BAD_INPUT: ${err.message.slice(0, 200)} ${JSON.stringify(err.issues).slice(0, 200)}` };
    }
    return { kind: 'refused', code: err.code };
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.slice(0, 300)}\n${(err.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  return String(err).slice(0, 300);
}

export const TABLES = ['import_batch', 'fhir_resource', 'fhir_resource_version', 'patient_summary', 'variant_call_set', 'somatic_variant', 'slide', 'tile'] as const;

/**
 * A cheap fingerprint of everything an import writes: row counts, where every resource update adds
 * a version row and every batch an import row. Equal before and after a refusal: nothing half-written.
 */
export async function storeFingerprint(db: Database, tables: readonly string[] = TABLES): Promise<string> {
  const res = await db.query<Record<string, string | number>>(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`);
  return JSON.stringify(res.rows[0]);
}

/** Runs `call` and checks that a refusal left the store as it was. */
export async function verdictKeepingStore(db: Database, call: () => Promise<unknown>, located?: (err: DomainError) => boolean): Promise<Verdict> {
  const before = await storeFingerprint(db);
  const verdict = await verdictOf(call, located);
  if (verdict.kind === 'accepted') return verdict;
  const after = await storeFingerprint(db);
  if (after !== before) return { kind: 'violation', detail: `refused (${verdict.kind === 'refused' ? verdict.code : verdict.kind}) but the store changed: ${before} -> ${after}` };
  return verdict;
}

/**
 * Headers for an HTTP fuzzer. Authentication is becoming mandatory: once createApp's result carries
 * `auth` (a SiteAuth), a local token is minted for `role`; before that, no header is needed.
 */
export async function authHeadersFor(site: object, role: string): Promise<Record<string, string>> {
  if (!('auth' in site)) return {};
  const auth = (site as { auth: { mintToken(o: { role: string; patient?: string; ttlSeconds?: number }): Promise<{ token: string }> } }).auth;
  // an hour, the longest a local token lives: a long fuzzing run outlasts the 15-minute default
  const { token } = await auth.mintToken({ role, ttlSeconds: 3600 });
  return { authorization: `Bearer ${token}` };
}

/** Serves a request listener on a loopback port for the life of a target (fetch is far cheaper than supertest per case). */
export async function serveLocally(listener: Parameters<typeof createServer>[1]): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The verdict of an HTTP answer: 5xx is a server error, anything else below 500 is fine. */
export function verdictOfStatus(status: number, body: string): Verdict {
  // a feature this node has not configured is refused with the domain code UNAVAILABLE (503) by design
  if (status === 503 && /"code":"UNAVAILABLE"/.test(body)) return { kind: 'refused', code: 'UNAVAILABLE', status };
  if (status >= 500) return { kind: 'server-error', status, detail: body.slice(0, 300) };
  if (/"INTERNAL_SERVER_ERROR"/.test(body)) return { kind: 'server-error', status, detail: `masked internal error: ${body.slice(0, 300)}` };
  return status < 300 ? { kind: 'accepted' } : { kind: 'refused', code: String(status), status };
}

/** Fails a case that hangs: a hang is a crash too. */
export async function withTimeout<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export interface FuzzReport {
  surface: string;
  cases: number;
  accepted: number;
  refused: number;
  crashes: number;
  serverErrors: number;
  violations: number;
  /** the first few failures, with their input */
  examples: { verdict: Verdict; input: string }[];
  ms: number;
}

/** Runs `numRuns` generated cases through a surface and counts, rather than stopping at a failure. */
export async function runFuzz<T>(surface: FuzzSurface<T>, options: { numRuns: number; seed?: number; onProgress?: (report: FuzzReport) => void }): Promise<FuzzReport> {
  const start = Date.now();
  const target = await surface.open();
  const report: FuzzReport = { surface: surface.name, cases: 0, accepted: 0, refused: 0, crashes: 0, serverErrors: 0, violations: 0, examples: [], ms: 0 };
  const stray: unknown[] = [];
  const onStray = (err: unknown) => stray.push(err);
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  try {
    const batch = 500;
    for (let done = 0; done < options.numRuns; done += batch) {
      const inputs = fc.sample(surface.arbitrary, { numRuns: Math.min(batch, options.numRuns - done), seed: (options.seed ?? 42) + done });
      for (const input of inputs) {
        let verdict: Verdict;
        try {
          verdict = await target.run(input);
        } catch (err) {
          verdict = { kind: 'crash', detail: `the harness threw: ${describeError(err)}` };
        }
        if (stray.length > 0) verdict = { kind: 'crash', detail: `process error: ${describeError(stray.splice(0).at(0))}` };
        report.cases++;
        if (verdict.kind === 'accepted') report.accepted++;
        else if (verdict.kind === 'refused') report.refused++;
        else if (verdict.kind === 'crash') report.crashes++;
        else if (verdict.kind === 'server-error') report.serverErrors++;
        else report.violations++;
        if (isFailure(verdict) && report.examples.length < 5) report.examples.push({ verdict, input: (surface.describe ?? defaultDescribe)(input) });
      }
      report.ms = Date.now() - start;
      options.onProgress?.(report);
    }
  } finally {
    process.off('unhandledRejection', onStray);
    process.off('uncaughtException', onStray);
    await target.close();
  }
  report.ms = Date.now() - start;
  return report;
}

function defaultDescribe(input: unknown): string {
  if (input instanceof Uint8Array) return `${input.length} bytes: ${Buffer.from(input.subarray(0, 64)).toString('hex')}`;
  try {
    const s = JSON.stringify(input, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v));
    return s.length > 600 ? `${s.slice(0, 600)}…` : s;
  } catch {
    return String(input).slice(0, 600);
  }
}

/** For the normal suite: a few hundred cases with shrinking; throws with the smallest failing input. */
export async function assertSurface<T>(surface: FuzzSurface<T>, numRuns: number, seed = 7): Promise<void> {
  const target = await surface.open();
  try {
    await fc.assert(
      fc.asyncProperty(surface.arbitrary, async (input) => {
        const verdict = await target.run(input);
        if (isFailure(verdict)) throw new Error(`${verdict.kind}: ${'detail' in verdict ? verdict.detail : ''}`);
      }),
      { numRuns, seed, endOnFailure: true, includeErrorInReport: true },
    );
  } finally {
    await target.close();
  }
}
