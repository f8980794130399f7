/**
 * A patient the site does not store is answered from the record the EHR supplied: the site's mCODE
 * mapper turns it into a clinical summary, given a data version derived from its content so the
 * model caches (keyed by patient and data version) never mix two different records.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { StoredSummary } from '../clinical/clinical-service.ts';
import type { ClinicalSummary } from '../clinical/mcode/types.ts';

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The summary of a supplied record, as a StoredSummary with a negative data version (stored
 * summaries count up from 1, so the two never collide in a cache key).
 */
export function summaryOfRecord(summary: ClinicalSummary): StoredSummary {
  return { summary, dataVersion: -(fnv1a(JSON.stringify(summary)) + 1) };
}

/** The supplied record as a collection Bundle, the input of the trial service's `$match`. */
export function recordBundle(resources: readonly Resource[]): Bundle {
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}
