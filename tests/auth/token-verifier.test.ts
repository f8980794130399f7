import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { createTokenVerifier } from '../../src/auth/token-verifier.ts';
import { DomainError } from '../../src/errors/domain-error.ts';
import { ES384_KEY, forgeJwt, privateKeyOf, RS384_KEY, serveJwks, tamperSignature } from './auth-fixtures.ts';

const AUD = 'https://site-a.example';
const EHR = 'https://ehr.example/oauth';
const IDP = 'https://idp.example';
const NOW = Math.floor(Date.now() / 1000);

async function sign(key: CryptoKey, alg: string, kid: string, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: EHR, aud: AUD, sub: 'ehr-client', iat: NOW, exp: NOW + 300, jti: 'tok-1', sangam_role: 'ehr', scope: 'system/*.rs', ...claims })
    .setProtectedHeader({ alg, kid, ...header })
    .sign(key);
}

const es384 = await privateKeyOf(ES384_KEY);
const rs384 = await privateKeyOf(RS384_KEY);
const esToken = (claims: JWTPayload = {}) => sign(es384, 'ES384', ES384_KEY.kid, claims);

function refusal(pattern: RegExp, code = 'UNAUTHENTICATED') {
  return (e: unknown) => e instanceof DomainError && e.code === code && pattern.test(e.message);
}

describe('access-token verifier', () => {
  const verifier = createTokenVerifier({ issuers: [{ issuer: EHR, jwks: ES384_KEY.publicJwks }], audience: AUD, clockSkewSeconds: 30 });

  it('turns a valid token into a principal', async () => {
    const p = await verifier.verify(await esToken({ client_id: 'epic-1', sub: 'dr-rao', sangam_role: 'clinician', scope: 'openid patient/Observation.read', patient: 'p1' }));
    assert.equal(p.subject, 'dr-rao');
    assert.equal(p.clientId, 'epic-1');
    assert.equal(p.role, 'clinician');
    assert.equal(p.patient, 'p1');
    assert.equal(p.tokenId, 'tok-1');
    assert.equal(p.issuer, EHR);
    assert.deepEqual(p.scopes.map((s) => s.original), ['patient/Observation.read']);
  });

  it('accepts scopes as an scp array and falls back to a token hash for the id', async () => {
    const p = await verifier.verify(await esToken({ scope: undefined, scp: ['system/Patient.rs'], jti: undefined }));
    assert.deepEqual(p.scopes.map((s) => s.original), ['system/Patient.rs']);
    assert.match(p.tokenId, /^sha256:[0-9a-f]{32}$/);
  });

  it('refuses an issuer that is not on the allowlist, even with a good signature', async () => {
    await assert.rejects(verifier.verify(await esToken({ iss: 'https://evil.example' })), refusal(/issuer is not trusted/));
  });

  it('refuses the wrong audience', async () => {
    await assert.rejects(verifier.verify(await esToken({ aud: 'https://site-b.example' })), refusal(/not meant for this service \(aud\)/));
  });

  it('refuses an expired token, within the skew accepts it', async () => {
    await assert.rejects(verifier.verify(await esToken({ exp: NOW - 31 })), refusal(/expired/));
    await verifier.verify(await esToken({ exp: NOW - 20 }));
  });

  it('refuses a token without exp', async () => {
    await assert.rejects(verifier.verify(await esToken({ exp: undefined })), refusal(/exp claim/));
  });

  it('refuses nbf and iat in the future beyond the skew', async () => {
    await assert.rejects(verifier.verify(await esToken({ nbf: NOW + 120 })), refusal(/not valid yet \(nbf\)/));
    await assert.rejects(verifier.verify(await esToken({ iat: NOW + 120 })), refusal(/issued in the future \(iat\)/));
    await verifier.verify(await esToken({ iat: NOW + 20, nbf: NOW + 20 }));
  });

  it('refuses alg none and HS256', async () => {
    const claims = { iss: EHR, aud: AUD, sub: 'x', exp: NOW + 300, sangam_role: 'admin' };
    await assert.rejects(verifier.verify(forgeJwt({ alg: 'none', typ: 'JWT' }, claims)), refusal(/unsigned/));
    // HS256 keyed with the issuer's public key material: the classic algorithm-confusion forgery
    const secret = new TextEncoder().encode(JSON.stringify(ES384_KEY.publicJwks.keys[0]));
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: ES384_KEY.kid }).sign(secret);
    await assert.rejects(verifier.verify(hs), refusal(/signed with an algorithm this service does not accept/));
  });

  it('refuses a tampered signature and a tampered payload', async () => {
    const good = await esToken();
    await assert.rejects(verifier.verify(tamperSignature(good)), refusal(/signature does not verify/));
    const [h, , s] = good.split('.');
    const payload = Buffer.from(JSON.stringify({ iss: EHR, aud: AUD, sub: 'x', exp: NOW + 300, sangam_role: 'admin' })).toString('base64url');
    await assert.rejects(verifier.verify(`${h}.${payload}.${s}`), refusal(/signature does not verify/));
  });

  it('refuses what is not a JWT', async () => {
    await assert.rejects(verifier.verify('abc.def'), refusal(/not a JWT/));
  });

  it('uses a configured role over the claim, and refuses a token with no role at all', async () => {
    const idp = createTokenVerifier({ issuers: [{ issuer: IDP, jwks: ES384_KEY.publicJwks, role: 'clinician' }, { issuer: EHR, jwks: ES384_KEY.publicJwks }], audience: AUD });
    const p = await idp.verify(await esToken({ iss: IDP, sangam_role: 'admin' }));
    assert.equal(p.role, 'clinician', 'an outside IdP cannot make itself admin');
    await assert.rejects(idp.verify(await esToken({ sangam_role: undefined })), refusal(/no Sangam role/, 'FORBIDDEN'));
    await assert.rejects(idp.verify(await esToken({ sangam_role: 'superuser' })), refusal(/no Sangam role/, 'FORBIDDEN'));
  });

  it('does not let one trusted issuer sign for another', async () => {
    const two = createTokenVerifier({ issuers: [{ issuer: EHR, jwks: ES384_KEY.publicJwks }, { issuer: IDP, jwks: RS384_KEY.publicJwks }], audience: AUD });
    await assert.rejects(two.verify(await esToken({ iss: IDP })), refusal(/no key of the issuer's JWKS matches/));
  });

  it('accepts the other allowed algorithms: RS256, ES256, EdDSA', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg);
      const jwk = { ...(await exportJWK(publicKey)), kid: `k-${alg}`, alg };
      const v = createTokenVerifier({ issuers: [{ issuer: EHR, jwks: { keys: [jwk] } }], audience: AUD });
      assert.equal((await v.verify(await sign(privateKey, alg, `k-${alg}`, {}))).role, 'ehr', alg);
    }
  });

  it('fetches a remote JWKS once and caches it', async () => {
    const served = await serveJwks(RS384_KEY.publicJwks);
    let fetches = 0;
    const counting: typeof fetch = (input, init) => {
      fetches++;
      return fetch(input, init);
    };
    const remote = createTokenVerifier({ issuers: [{ issuer: EHR, jwksUri: served.url }], audience: [AUD, 'https://other.example'], fetch: counting });
    const token = await sign(rs384, 'RS384', RS384_KEY.kid, { aud: 'https://other.example' });
    assert.equal((await remote.verify(token)).role, 'ehr');
    await remote.verify(token);
    await remote.verify(await sign(rs384, 'RS384', RS384_KEY.kid, { jti: 'tok-2' }));
    assert.equal(served.hits(), 1);
    assert.equal(fetches, 1);
  });

  it('loads an inline key set lazily, once', async () => {
    let loads = 0;
    const lazy = createTokenVerifier({
      issuers: [{ issuer: EHR, jwks: async () => (loads++, ES384_KEY.publicJwks) }],
      audience: AUD,
    });
    await lazy.verify(await esToken());
    await lazy.verify(await esToken());
    assert.equal(loads, 1);
  });
});
