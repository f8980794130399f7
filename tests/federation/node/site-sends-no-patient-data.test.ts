/**
 * Issue 6: everything a site sends to the coordinator in a round holds no patient-level data, only
 * noised (DP-SGD) or masked (secure aggregation) parameter vectors, counts and signatures. The
 * site's fetch is wrapped, so every byte it sends is recorded: URLs, headers and bodies. Each JSON
 * key is checked against the protocol's own, each binary field against the size of a parameter
 * vector or a key, and every other text for the identifiers, names and birth dates in the site's
 * records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { startSiteNode, type SiteNode, type SiteNodeEvent } from '../../../src/federation/node/site-node.ts';
import { ENVELOPE_HEADER, parseEnvelopeHeader } from '../../../src/federation/protocol/envelope.ts';
import type { FetchLike } from '../../../src/federation/protocol/client.ts';
import { capturedLogger, startTestCoordinator, startTestSite, within, type TestCoordinator, type TestPlan, type TestSite } from './node-fixtures.ts';

const PARAMETERS = 35 * 16 + 16 + 16 + 1;

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The paths a site may call, and nothing else. */
const PATHS = [
  /^\/federation\/v1\/work$/,
  /^\/federation\/v1\/rounds\/[A-Za-z0-9._:-]+\/(updates|decline)$/,
  /^\/federation\/v1\/rounds\/[A-Za-z0-9._:-]+\/secagg\/(keys|shares|masked|unmask)$/,
  /^\/federation\/v1\/lineages\/[A-Za-z0-9._-]+\/versions\/latest$/,
];

/**
 * Every key path a body may hold, with what its value must be: an id the protocol names, a count,
 * ε or δ, or base64 of exactly (or at most) so many bytes. Arrays add `[]` to the path.
 */
type Rule = { kind: 'id' } | { kind: 'count' } | { kind: 'privacy' } | { kind: 'base64'; bytes: number; exact: boolean } | { kind: 'null-or-object' } | { kind: 'reason' };
const id: Rule = { kind: 'id' };
const b64 = (bytes: number, exact = true): Rule => ({ kind: 'base64', bytes, exact });
const RULES: Record<string, Rule> = {
  // a plain update: the noised delta, the training count, ε and δ spent
  delta: b64(8 * PARAMETERS),
  numExamples: { kind: 'count' },
  privacy: { kind: 'null-or-object' },
  'privacy.epsilon': { kind: 'privacy' },
  'privacy.delta': { kind: 'privacy' },
  reason: { kind: 'reason' },
  // secure aggregation (Bonawitz et al. 2017): public keys, encrypted seed shares, the masked vector, revealed shares
  roundId: id,
  siteId: id,
  cPublicKey: b64(32),
  sPublicKey: b64(32),
  'shares[].from': id,
  'shares[].to': id,
  'shares[].iv': b64(12),
  'shares[].ciphertext': b64(64, false),
  'shares[].tag': b64(16),
  'masked.roundId': id,
  'masked.siteId': id,
  // the masked update: n uint32 words plus the weight coordinate
  'masked.masked': b64(4 * (PARAMETERS + 1)),
  'bShares[].owner': id,
  'bShares[].share': b64(32, false),
  'sShares[].owner': id,
  'sShares[].share': b64(32, false),
};

/** Walks a JSON value, calling `leaf` with each key path and value; objects and arrays recurse. */
function walk(value: unknown, path: string, leaf: (path: string, value: unknown) => void): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, `${path}[]`, leaf));
  else if (value !== null && typeof value === 'object') {
    if (path && RULES[path]?.kind === 'null-or-object') leaf(path, value);
    for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, leaf);
  } else leaf(path, value);
}

/** Identifiers, names, birth dates and addresses in the site's records, as text that must never leave it. */
function patientText(site: TestSite): string[] {
  const out = new Set<string>();
  for (const p of site.cohort.patients) {
    const bundle = p.bundle as Bundle;
    for (const e of bundle.entry ?? []) {
      const r = e.resource!;
      out.add(r.id!);
      if (r.resourceType !== 'Patient') continue;
      const patient = r as Patient;
      for (const n of patient.name ?? []) [n.family, ...(n.given ?? [])].forEach((v) => v && out.add(v));
      if (patient.birthDate) out.add(patient.birthDate);
      for (const i of patient.identifier ?? []) if (i.value) out.add(i.value);
      for (const a of patient.address ?? []) [...(a.line ?? []), a.city, a.postalCode].forEach((v) => v && out.add(v));
    }
  }
  return [...out].filter((t) => t.length >= 3);
}

describe('what a site sends to the coordinator', () => {
  let sites: TestSite[];
  const log = capturedLogger();
  before(async () => {
    sites = [await startTestSite('in-south', 'in-south', 30, 31), await startTestSite('in-west', 'in-west', 30, 32), await startTestSite('us-northeast', 'us-northeast', 30, 33)];
  });
  after(async () => {
    for (const s of sites) await s.close();
  });

  /** Runs one round of `plan` with every site, recording what the first site sends. */
  async function recordRound(federationId: string, plan: TestPlan): Promise<{ sent: Sent[]; events: SiteNodeEvent[]; c: TestCoordinator }> {
    const c = await startTestCoordinator(sites, plan, log.logger, federationId);
    const sent: Sent[] = [];
    const events: SiteNodeEvent[] = [];
    const recording: FetchLike = (url, init) => {
      sent.push({ url, headers: { ...init.headers }, body: init.body });
      return fetch(url, init);
    };
    const nodes: SiteNode[] = sites.map((s, i) =>
      startSiteNode({
        services: s.app,
        db: s.db,
        coordinatorUrl: c.node.url,
        federationId,
        siteId: s.id,
        privateKey: s.keys.privateKey,
        coordinatorPublicKey: c.keys.publicKey,
        model: 'response-synthetic',
        pollIntervalMs: 100,
        maxBackoffMs: 500,
        tolerance: 1,
        budget: { epsilon: 50, delta: 1e-5 },
        stopAfterVersions: 1,
        ...(i === 0 ? { fetch: recording, onEvent: (e: SiteNodeEvent) => events.push(e) } : {}),
      }),
    );
    try {
      await within(Promise.all(nodes.map((n) => n.finished)), 90_000, 'every site to handle the round\'s version');
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await c.close();
    }
    return { sent, events, c };
  }

  /** The checks of the module comment, on everything one site sent. */
  function checkSent(sent: Sent[], site: TestSite, ids: Set<string>): { keys: Set<string>; counts: number[]; epsilons: number[] } {
    const forbidden = patientText(site);
    // ids, names, birth dates and record numbers of every patient, and the requests of a whole round
    assert.ok(forbidden.length > 4 * site.cohort.patients.length, 'the patient texts were collected');
    assert.ok(sent.length >= 3, 'the round was recorded');
    const keys = new Set<string>();
    const counts: number[] = [];
    const epsilons: number[] = [];
    for (const s of sent) {
      const url = new URL(s.url);
      assert.ok(PATHS.some((p) => p.test(url.pathname)), `unexpected path ${url.pathname}`);
      assert.equal(url.search, '');
      assert.deepEqual(Object.keys(s.headers).sort(), ['content-type', ENVELOPE_HEADER]);
      const envelope = parseEnvelopeHeader(s.headers[ENVELOPE_HEADER]);
      assert.deepEqual(Object.keys(envelope).sort(), ['bodySha256', 'federationId', 'issuedAt', 'method', 'nonce', 'path', 'roundId', 'signature', 'siteId', 'v']);
      assert.equal(envelope.siteId, site.id);
      // text that is not a checked binary field: the URL, the envelope, ids and numbers
      const text: string[] = [s.url, JSON.stringify(envelope)];
      walk(JSON.parse(s.body) as unknown, '', (path, value) => {
        const rule = RULES[path];
        assert.ok(rule, `unexpected field "${path}" in ${url.pathname}`);
        keys.add(path);
        switch (rule.kind) {
          case 'id':
            assert.ok(typeof value === 'string' && ids.has(value), `${path} is not a site or round id`);
            text.push(value as string);
            break;
          case 'count':
            assert.ok(Number.isSafeInteger(value) && (value as number) > 0);
            counts.push(value as number);
            break;
          case 'privacy':
            assert.ok(typeof value === 'number' && value >= 0);
            if (path === 'privacy.epsilon') epsilons.push(value);
            break;
          case 'reason':
            assert.ok(['PRIVACY_BUDGET', 'NO_DATA', 'OPERATOR'].includes(value as string));
            break;
          case 'null-or-object':
            break;
          case 'base64': {
            assert.equal(typeof value, 'string');
            const bytes = Buffer.from(value as string, 'base64');
            assert.equal(bytes.toString('base64'), value, `${path} is not canonical base64`);
            if (rule.exact) assert.equal(bytes.length, rule.bytes, `${path} holds ${bytes.length} bytes`);
            else assert.ok(bytes.length <= rule.bytes, `${path} holds ${bytes.length} bytes`);
          }
        }
      });
      const all = text.join('\n');
      for (const t of forbidden) assert.ok(!all.includes(t), `"${t}" from the site's records was sent to the coordinator`);
    }
    return { keys, counts, epsilons };
  }

  it('a plain round under DP-SGD: a noised delta of the model\'s size, the training count, ε and δ, and signatures', { timeout: 150_000 }, async () => {
    const { sent, events, c } = await recordRound('onco-dp', {
      rounds: 1,
      round: { strategy: { name: 'fedavg' }, localSteps: 10, learningRate: 0.05, batchSize: 8, quorum: 3, durationMs: 90_000, dp: { noiseMultiplier: 1.1, clipNorm: 1 } },
    });
    const ids = new Set([...sites.map((s) => s.id), c.federationId]);
    for (const e of events) if (e.kind === 'round' && 'roundId' in e.outcome) ids.add(e.outcome.roundId);
    const { keys, counts, epsilons } = checkSent(sent, sites[0]!, ids);
    assert.deepEqual([...keys].sort(), ['delta', 'numExamples', 'privacy', 'privacy.delta', 'privacy.epsilon']);
    assert.equal(counts.length, 1);
    assert.ok(epsilons[0]! > 0, 'the update was trained with DP-SGD and charged');
    assert.ok(sent.some((s) => s.url.endsWith('/updates')));
  });

  it('a secure-aggregation round: public keys, encrypted shares, a masked vector, revealed shares and counts only', { timeout: 150_000 }, async () => {
    const { sent, events, c } = await recordRound('onco-secagg', {
      rounds: 1,
      round: { strategy: { name: 'fedavg', secureAggregation: true }, localSteps: 10, learningRate: 0.05, batchSize: 8, quorum: 3, durationMs: 90_000, maxNumExamples: 1000, dp: null },
    });
    const ids = new Set([...sites.map((s) => s.id), c.federationId]);
    for (const e of events) if (e.kind === 'round' && 'roundId' in e.outcome) ids.add(e.outcome.roundId);
    const { keys, counts } = checkSent(sent, sites[0]!, ids);
    for (const k of ['cPublicKey', 'sPublicKey', 'shares[].ciphertext', 'masked.masked', 'bShares[].share']) assert.ok(keys.has(k), `no ${k} sent`);
    assert.ok(!keys.has('delta') && !keys.has('numExamples'), 'no plain update and no example count leave the site under secure aggregation');
    assert.deepEqual(counts, []);
  });
});
