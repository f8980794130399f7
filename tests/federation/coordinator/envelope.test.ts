import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import {
  encodeEnvelopeHeader,
  encodeParts,
  envelopeSigningBytes,
  parseEnvelopeHeader,
  sha256Hex,
  signEnvelope,
  signResponse,
  verifyEnvelopeSignature,
  verifyResponse,
} from '../../../src/federation/protocol/envelope.ts';
import { decodeFloat64, encodeFloat64 } from '../../../src/federation/protocol/float-codec.ts';
import { generateIdentityKeys, publicKeyFromBase64 } from '../../../src/federation/protocol/identity-keys.ts';
import { canonicalJson } from '../../../src/federation/protocol/version-signature.ts';

const site = generateIdentityKeys();
const sitePublic = publicKeyFromBase64(site.publicKey);
const fields = { method: 'POST' as const, path: '/federation/v1/rounds/r1/updates', siteId: 'site-a', federationId: 'f', roundId: 'r1', body: '{"x":1}', issuedAt: 1_700_000_000_000 };
const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return isDomainError(err) ? (err as { reason?: string }).reason : 'not a domain error';
  }
  return 'no error';
};

describe('signed envelope', () => {
  it('encodes parts with length prefixes, so moving a separator changes the bytes', () => {
    // label "L" (1 byte), then "a/b" and "c", versus "a" and "b/c"
    assert.equal(encodeParts('L', ['a/b', 'c']).toString('hex'), '00014c0003612f6200016' + '3');
    assert.notDeepEqual(encodeParts('L', ['a/b', 'c']), encodeParts('L', ['a', 'b/c']));
  });

  it('signs every field: each change breaks the signature', () => {
    const e = signEnvelope(fields, site.privateKey);
    assert.equal(e.nonce.length, 32);
    assert.equal(e.bodySha256, sha256Hex('{"x":1}'));
    assert.ok(verifyEnvelopeSignature(e, sitePublic));
    const changes = { method: 'GET', path: '/federation/v1/work', siteId: 'site-b', federationId: 'g', roundId: null, nonce: '0'.repeat(32), issuedAt: e.issuedAt + 1, bodySha256: sha256Hex('{}') };
    for (const [k, v] of Object.entries(changes)) assert.equal(verifyEnvelopeSignature({ ...e, [k]: v }, sitePublic), false, k);
    assert.equal(verifyEnvelopeSignature(e, publicKeyFromBase64(generateIdentityKeys().publicKey)), false);
  });

  it('draws a fresh nonce for every envelope', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => signEnvelope(fields, site.privateKey).nonce));
    assert.equal(nonces.size, 50);
  });

  it('binds a null round differently from any round id', () => {
    const e = signEnvelope(fields, site.privateKey);
    const { signature: _s, ...unsigned } = e;
    assert.notDeepEqual(envelopeSigningBytes(unsigned), envelopeSigningBytes({ ...unsigned, roundId: null }));
  });

  it('round-trips the header and refuses a missing, oversized or malformed one as BAD_ENVELOPE', () => {
    const e = signEnvelope(fields, site.privateKey);
    assert.deepEqual(parseEnvelopeHeader(encodeEnvelopeHeader(e)), e);
    assert.equal(reasonOf(() => parseEnvelopeHeader(undefined)), 'BAD_ENVELOPE');
    assert.equal(reasonOf(() => parseEnvelopeHeader('A'.repeat(3000))), 'BAD_ENVELOPE');
    assert.equal(reasonOf(() => parseEnvelopeHeader(Buffer.from('{"v":1}').toString('base64url'))), 'BAD_ENVELOPE');
    assert.equal(reasonOf(() => parseEnvelopeHeader(encodeEnvelopeHeader({ ...e, nonce: 'zz' }))), 'BAD_ENVELOPE');
  });

  it('binds an answer to the request nonce and status', () => {
    const coordinator = generateIdentityKeys();
    const pub = publicKeyFromBase64(coordinator.publicKey);
    const sig = signResponse('POST', '/p', 'ab'.repeat(16), 200, '{"ok":1}', coordinator.privateKey);
    assert.ok(verifyResponse('POST', '/p', 'ab'.repeat(16), 200, '{"ok":1}', sig, pub));
    assert.equal(verifyResponse('POST', '/p', 'cd'.repeat(16), 200, '{"ok":1}', sig, pub), false);
    assert.equal(verifyResponse('POST', '/p', 'ab'.repeat(16), 201, '{"ok":1}', sig, pub), false);
    assert.equal(verifyResponse('POST', '/p', 'ab'.repeat(16), 200, '{"ok":2}', sig, pub), false);
    assert.equal(verifyResponse('POST', '/p', 'ab'.repeat(16), 200, '{"ok":1}', null, pub), false);
  });
});

describe('float64 vectors on the wire', () => {
  it('carry NaN and ±Infinity bit for bit, so the coordinator can see them', () => {
    const v = Float64Array.from([0.1, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.MIN_VALUE]);
    const back = decodeFloat64(encodeFloat64(v), 5, 'v');
    assert.ok(Object.is(back[1], -0));
    assert.ok(Number.isNaN(back[2]));
    assert.deepEqual([back[0], back[3], back[4]], [0.1, Number.POSITIVE_INFINITY, Number.MIN_VALUE]);
    // 1.0 little-endian is 00 00 00 00 00 00 f0 3f
    assert.equal(Buffer.from(encodeFloat64(Float64Array.from([1])), 'base64').toString('hex'), '000000000000f03f');
  });

  it('refuse another length or non-canonical base64 as WRONG_SHAPE', () => {
    assert.equal(reasonOf(() => decodeFloat64(encodeFloat64(Float64Array.from([1, 2])), 3, 'v')), 'WRONG_SHAPE');
    assert.equal(reasonOf(() => decodeFloat64('AAAA!AAAAAAAAPA/', 1, 'v')), 'WRONG_SHAPE');
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}');
  });
});
