/**
 * The roster of advertised keys (U1), checked the same way by the coordinator that assembles it
 * and by every site that receives it (Bonawitz et al. 2017, ShareKeys: "assert |U1| ≥ t and that
 * all the public key pairs are different", https://eprint.iacr.org/2017/281).
 */
import { compareSiteIds } from './canonical.ts';
import { protocolViolation, tooFewSites } from './errors.ts';
import { X25519_KEY_BYTES } from './key-agreement.ts';
import type { KeyAdvertisement, RoundConfig } from './messages.ts';
import { fromBase64 } from './wire.ts';

/** The roster sorted by site id, after checking membership, uniqueness, key sizes and |U1| ≥ t. */
export function checkRoster(config: RoundConfig, keys: readonly KeyAdvertisement[], stage: string): KeyAdvertisement[] {
  const seenSites = new Set<string>();
  const seenKeys = new Set<string>();
  for (const ad of keys) {
    if (ad.roundId !== config.roundId) throw protocolViolation(`keys for round ${ad.roundId} in round ${config.roundId}`);
    if (!config.sites.includes(ad.siteId)) throw protocolViolation(`site ${ad.siteId} is not invited to round ${config.roundId}`);
    if (seenSites.has(ad.siteId)) throw protocolViolation(`site ${ad.siteId} advertised keys twice`);
    seenSites.add(ad.siteId);
    for (const [field, text] of [['cPublicKey', ad.cPublicKey], ['sPublicKey', ad.sPublicKey]] as const) {
      const hex = fromBase64(text, X25519_KEY_BYTES, `${ad.siteId}'s ${field}`).toString('hex');
      // A repeated key means a replayed or copied advertisement; masks built on it would cancel wrongly.
      if (seenKeys.has(hex)) throw protocolViolation(`site ${ad.siteId}'s ${field} repeats a key already in the roster`);
      seenKeys.add(hex);
    }
  }
  if (keys.length < config.threshold) throw tooFewSites(stage, keys.length, config.threshold);
  return [...keys].sort((a, b) => compareSiteIds(a.siteId, b.siteId)).map((k) => ({ roundId: k.roundId, siteId: k.siteId, cPublicKey: k.cPublicKey, sPublicKey: k.sPublicKey }));
}
