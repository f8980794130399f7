/**
 * Therapy suggestions and trial matches of stored patients, kept for a short time. Both are pure
 * functions of the patient's stored record (its data version goes up on every write, VCF imports
 * included), the knowledge base and the trial registry, but cost tens of milliseconds, and an EHR
 * fires patient-view on every chart opening. The TTL bounds how long a new trial or a swapped
 * model takes to show.
 */
import { BoundedMap } from '../caching/bounded-map.ts';

export interface InsightCache {
  /** The value for `key`, computed by `compute` unless a fresh one is held; failures are not kept. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

export function createInsightCache(ttlMs: number, limit = 5_000, now: () => number = Date.now): InsightCache {
  const entries = new BoundedMap<string, { at: number; value: Promise<unknown> }>(limit);
  return {
    get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.value as Promise<T>;
      // the promise is held, so concurrent calls for one patient share one computation
      const value = compute();
      entries.set(key, { at: now(), value });
      value.catch(() => entries.delete(key));
      return value;
    },
  };
}

/** A cache that holds nothing (TTL 0). */
export const NO_CACHE: InsightCache = { get: (_key, compute) => compute() };
