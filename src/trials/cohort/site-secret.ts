import { hkdfSync } from 'node:crypto';
import { exportJWK } from 'jose';
import type { SiteKey } from '../../auth/site-key.ts';

/**
 * The site's secret for keyed pseudonyms, derived (HKDF-SHA256, RFC 5869) from the private half
 * of the site key, which never leaves the site and survives restarts. Rotating the site key
 * therefore changes every pseudonym a trial matcher holds, as it should.
 */
export async function pseudonymSecret(siteKey: SiteKey): Promise<Uint8Array> {
  const jwk = await exportJWK(siteKey.privateKey);
  if (typeof jwk.d !== 'string') throw new Error('the site key has no private part');
  return new Uint8Array(hkdfSync('sha256', Buffer.from(jwk.d, 'base64url'), Buffer.alloc(0), 'sangam/trials/pseudonym-secret/v1', 32));
}
