import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecAggError } from '../../../src/federation/secagg/errors.ts';
import { collectKeys, openRound, routeShares, unmask } from '../../../src/federation/secagg/protocol-server.ts';
import { advertiseKeys, maskInput, revealShares, shareKeys, type SiteState } from '../../../src/federation/secagg/protocol-site.ts';
import { randomUpdates, runUntilUnmasking } from './run-round.ts';

const SITES = ['hospital-a', 'hospital-b', 'hospital-c', 'hospital-d', 'hospital-e'];
const reason = (expected: string, message?: RegExp) => (err: unknown) => err instanceof SecAggError && err.reason === expected && (!message || message.test(err.message));

describe('a site never reveals both kinds of share for one peer', () => {
  const start = () => runUntilUnmasking({ sites: SITES, threshold: 3, updates: randomUpdates(SITES, 50, 1) });

  it('refuses the b-share of a site it was earlier told had dropped', () => {
    const { sites, request } = start();
    const claimed = { ...request, survivors: request.survivors.filter((id) => id !== 'hospital-c') };
    const first = revealShares(sites['hospital-a']!, claimed);
    assert.deepEqual(first.message.sShares.map((s) => s.owner), ['hospital-c']);
    assert.throws(() => revealShares(first.state, request), reason('REVEAL_REFUSED', /will not reveal its b-share of hospital-c: it was told before that hospital-c dropped/));
  });

  it('refuses the s-share of a site it was earlier told had survived, and its state records nothing new', () => {
    const { sites, request } = start();
    const first = revealShares(sites['hospital-a']!, request);
    assert.deepEqual(first.message.sShares, []);
    const claimed = { ...request, survivors: request.survivors.filter((id) => id !== 'hospital-d') };
    assert.throws(
      () => revealShares(first.state, claimed),
      (err: unknown) => reason('REVEAL_REFUSED')(err) && (err as SecAggError).code === 'CONFLICT',
    );
    assert.equal(first.state.revealed['hospital-d'], 'b');
  });

  it('answers the same request twice with the same shares, so a retried HTTP call is safe', () => {
    const { sites, request } = start();
    const first = revealShares(sites['hospital-b']!, request);
    const second = revealShares(first.state, request);
    assert.deepEqual(second.message, first.message);
  });

  it('refuses survivors that never shared keys, and fewer survivors than t', () => {
    const { sites, request } = start();
    assert.throws(() => revealShares(sites['hospital-a']!, { ...request, survivors: [...request.survivors.slice(0, 4), 'hospital-z'] }), reason('PROTOCOL_VIOLATION', /hospital-z did not share keys/));
    assert.throws(() => revealShares(sites['hospital-a']!, { ...request, survivors: request.survivors.slice(0, 2) }), reason('TOO_FEW_SITES', /2 sites remain, the threshold is 3/));
  });

  it('the coordinator refuses a response that carries both kinds of share for one site', () => {
    const { sites, server, request } = start();
    const responses = request.survivors.map((id) => revealShares(sites[id]!, request).message);
    const first = responses[0]!;
    const both = { ...first, sShares: [{ owner: 'hospital-b', share: first.bShares[1]!.share }] };
    assert.throws(() => unmask(server, [both, ...responses.slice(1)]), reason('PROTOCOL_VIOLATION', /unexpected s-share of hospital-b/));
    const missing = { ...first, bShares: first.bShares.slice(1) };
    assert.throws(() => unmask(server, [missing, ...responses.slice(1)]), reason('PROTOCOL_VIOLATION', /must reveal a b-share of each/));
  });

  it('the coordinator catches a corrupted s-share: the key it rebuilds is not the one advertised', () => {
    const plan = { sites: SITES, threshold: 3, updates: randomUpdates(SITES, 50, 1), drop: { beforeMasking: ['hospital-e'] } };
    const { sites, server, request } = runUntilUnmasking(plan);
    const responses = request.survivors.map((id) => revealShares(sites[id]!, request).message);
    const first = responses[0]!;
    const bytes = Buffer.from(first.sShares[0]!.share, 'base64');
    bytes[0] = bytes[0]! ^ 0xff;
    const corrupted = { ...first, sShares: [{ owner: 'hospital-e', share: bytes.toString('base64') }] };
    assert.throws(() => unmask(server, [corrupted, ...responses.slice(1)]), reason('PROTOCOL_VIOLATION', /do not reconstruct the key it advertised/));
    assert.equal(unmask(server, responses).contributors.length, 4);
  });
});

describe('steps run once, in order', () => {
  const sites = ['a', 'b', 'c'];
  const opened = openRound({ roundId: 'r1', sites, vectorLength: 3 });
  const advertised = sites.map((id) => advertiseKeys(opened.message, id));
  const keys = collectKeys(opened.state, advertised.map((s) => s.message));
  const shared = advertised.map((s) => shareKeys(s.state, keys.message));
  const routed = routeShares(keys.state, shared.map((s) => s.message));

  it('a site masks only once: a second update under the same masks would leak their difference', () => {
    const masked = maskInput(shared[0]!.state, routed.message[0]!, [1, 2, 3]);
    assert.throws(() => maskInput(masked.state as SiteState, routed.message[0]!, [4, 5, 6]), reason('OUT_OF_ORDER'));
  });

  it('a site shares keys only once', () => {
    assert.throws(() => shareKeys(shared[0]!.state, keys.message), reason('OUT_OF_ORDER'));
  });

  it('the coordinator refuses a reply out of phase', () => {
    assert.throws(() => routeShares({ ...keys.state, phase: 'advertise' } as never, []), reason('OUT_OF_ORDER'));
  });
});

describe('a site checks what the coordinator tells it', () => {
  it('refuses a threshold of n/2 or less, which would let a lying coordinator unmask a site', () => {
    const config = { ...openRound({ roundId: 'r1', sites: SITES, vectorLength: 3 }).message, threshold: 2 };
    assert.throws(() => advertiseKeys(config, 'hospital-a'), /n\/2 < t ≤ n \(n = 5\), not 2/);
  });

  it('refuses a round it was not invited to', () => {
    const config = openRound({ roundId: 'r1', sites: SITES, vectorLength: 3 }).message;
    assert.throws(() => advertiseKeys(config, 'hospital-z'), reason('PROTOCOL_VIOLATION'));
  });

  it('refuses a roster that swapped its keys or repeats a key', () => {
    const opened = openRound({ roundId: 'r1', sites: SITES, vectorLength: 3 });
    const steps = SITES.map((id) => advertiseKeys(opened.message, id));
    const roster = collectKeys(opened.state, steps.map((s) => s.message)).message;
    const swapped = { ...roster, keys: roster.keys.map((k) => (k.siteId === 'hospital-a' ? { ...k, sPublicKey: steps[1]!.message.cPublicKey } : k)) };
    assert.throws(() => shareKeys(steps[0]!.state, swapped), reason('PROTOCOL_VIOLATION', /repeats a key/));
    const replaced = { ...roster, keys: roster.keys.map((k) => (k.siteId === 'hospital-a' ? { ...k, sPublicKey: advertiseKeys(opened.message, 'hospital-a').message.sPublicKey } : k)) };
    assert.throws(() => shareKeys(steps[0]!.state, replaced), reason('PROTOCOL_VIOLATION', /own keys/));
    const short = { ...roster, keys: roster.keys.slice(0, 2) };
    assert.throws(() => shareKeys(steps[0]!.state, short), reason('TOO_FEW_SITES'));
  });

  it('the coordinator refuses an upload that leaves a site without its share bundle', () => {
    const opened = openRound({ roundId: 'r1', sites: ['a', 'b', 'c'], vectorLength: 3 });
    const steps = ['a', 'b', 'c'].map((id) => advertiseKeys(opened.message, id));
    const keys = collectKeys(opened.state, steps.map((s) => s.message));
    const uploads = steps.map((s) => shareKeys(s.state, keys.message).message);
    const partial = { ...uploads[0]!, shares: uploads[0]!.shares.slice(1) };
    assert.throws(() => routeShares(keys.state, [partial, ...uploads.slice(1)]), reason('PROTOCOL_VIOLATION', /exactly one share bundle to each other site/));
    assert.throws(() => routeShares(keys.state, [uploads[0]!, uploads[0]!]), reason('PROTOCOL_VIOLATION', /twice/));
  });
});
