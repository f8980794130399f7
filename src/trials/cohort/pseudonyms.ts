/**
 * Pseudonymous patient ids for trial matchers: HMAC-SHA256 (RFC 2104) of the record id under a key
 * derived from the matcher's secret and the trial, so the same patient has one stable pseudonym
 * per matcher and trial, and two matchers (or two trials) cannot link their lists. Only the site,
 * holding the keys, can map a pseudonym back (`findPatientByPseudonym`).
 *
 * Page cursors carry the position of the last row, which is a record id: they are sealed with
 * AES-256-GCM under a key from the same secret, so a cursor reveals nothing and only works in
 * the listing it came from.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { badInput } from '../../errors/domain-error.ts';

/** The secret a site keeps for one trial matcher: at least 16 random bytes (never the matcher's name or id). */
export type MatcherKey = string | Uint8Array;

const MIN_KEY_BYTES = 16;

function keyBytes(key: MatcherKey): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length < MIN_KEY_BYTES) throw badInput(`matcher key must be at least ${MIN_KEY_BYTES} bytes of secret`);
  return bytes;
}

function derive(key: MatcherKey, purpose: string, trialId: string): Buffer {
  return createHmac('sha256', keyBytes(key)).update(`sangam/trials/${purpose}/v1\u0000${trialId}`).digest();
}

/**
 * A matcher's key from the site secret and the matcher's identity, for sites that keep one secret
 * (HMAC-SHA256 as a PRF; the secret never leaves the site).
 */
export function deriveMatcherKey(siteSecret: MatcherKey, matcherId: string): Buffer {
  return createHmac('sha256', keyBytes(siteSecret)).update(`sangam/trials/matcher/v1\u0000${matcherId}`).digest();
}

/** Computes the pseudonyms of several patients for one matcher and trial (22 base64url characters, 128 bits). */
export function pseudonymizer(key: MatcherKey, trialId: string): (patientId: string) => string {
  const trialKey = derive(key, 'pseudonym', trialId);
  return (patientId) => createHmac('sha256', trialKey).update(patientId).digest().subarray(0, 16).toString('base64url');
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals the last record id of a page into an opaque cursor. */
export function sealCursor(key: MatcherKey, trialId: string, lastPatientId: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', derive(key, 'cursor', trialId), iv);
  const body = Buffer.concat([cipher.update(lastPatientId, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a cursor; a cursor from another matcher, trial or a forged one is BAD_INPUT. */
export function openCursor(key: MatcherKey, trialId: string, cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url');
  if (cursor.length > 400 || raw.length <= IV_BYTES + TAG_BYTES) throw badInput('after: not a cursor of this listing', [{ expression: 'after', message: 'malformed cursor' }]);
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(key, 'cursor', trialId), raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw badInput('after: not a cursor of this listing', [{ expression: 'after', message: 'the cursor was not issued for this trial and matcher' }]);
  }
}
