/**
 * Drives one secure-aggregation round in memory, the way the HTTP rounds will: every message goes
 * through JSON and its zod schema on the way, so a field that does not survive serialisation, or
 * that the schema would refuse, fails here. Sites listed in `drop.*` stop answering before that step.
 */
import type { z } from 'zod';
import {
  KeyAdvertisementSchema,
  KeyRosterSchema,
  MaskedInputSchema,
  RoundConfigSchema,
  SharesDeliverySchema,
  SharesUploadSchema,
  UnmaskRequestSchema,
  UnmaskResponseSchema,
  type AggregateResult,
  type UnmaskRequest,
} from '../../../src/federation/secagg/messages.ts';
import { collectKeys, collectMaskedInputs, openRound, routeShares, unmask, type UnmaskState } from '../../../src/federation/secagg/protocol-server.ts';
import { advertiseKeys, maskInput, revealShares, shareKeys, type MaskedSiteState, type SiteState } from '../../../src/federation/secagg/protocol-site.ts';
import type { RoundConfigOptions } from '../../../src/federation/secagg/round-config.ts';
import { Rng } from '../../../src/random/rng.ts';

/** A JSON round trip through `schema`, as a message crossing HTTP would take. */
export function wire<T>(schema: z.ZodType<T>, message: T): T {
  return schema.parse(JSON.parse(JSON.stringify(message)));
}

export interface RoundPlan extends Omit<RoundConfigOptions, 'roundId' | 'vectorLength'> {
  roundId?: string;
  updates: Record<string, number[]>;
  weights?: Record<string, number>;
  drop?: {
    /** advertised keys, then vanished before sending shares (in U1, not U2) */
    beforeShares?: readonly string[];
    /** sent shares, then vanished before the masked input (in U2, not U3): the paper's dropouts */
    beforeMasking?: readonly string[];
    /** sent the masked input, then vanished before unmasking (in U3, not among the responders) */
    beforeUnmasking?: readonly string[];
  };
}

export interface RoundTrace {
  result: AggregateResult;
  masked: Record<string, string>;
  siteStates: Record<string, MaskedSiteState>;
  server: UnmaskState;
}

/** Random updates of `length` values, normal with the given sd, one per site. */
export function randomUpdates(sites: readonly string[], length: number, seed: number, sd = 0.5): Record<string, number[]> {
  return Object.fromEntries(sites.map((id) => {
    const rng = new Rng(seed, id);
    return [id, Array.from({ length }, () => rng.normal(0, sd))];
  }));
}

export interface UnmaskingStart {
  sites: Record<string, SiteState>;
  server: UnmaskState;
  request: UnmaskRequest;
  masked: Record<string, string>;
}

/** Runs rounds 0–2 and stops with the coordinator's unmasking request in hand. */
export function runUntilUnmasking(plan: RoundPlan): UnmaskingStart {
  const drop = plan.drop ?? {};
  const gone = new Set<string>();
  const length = Object.values(plan.updates)[0]!.length;

  const opened = openRound({ ...plan, roundId: plan.roundId ?? 'round-1', vectorLength: length });
  const config = wire(RoundConfigSchema, opened.message);
  const sites: Record<string, SiteState> = {};
  const ads = config.sites.map((id) => {
    const step = advertiseKeys(config, id);
    sites[id] = step.state;
    return wire(KeyAdvertisementSchema, step.message);
  });

  const keys = collectKeys(opened.state, ads);
  const roster = wire(KeyRosterSchema, keys.message);
  for (const id of drop.beforeShares ?? []) gone.add(id);
  const uploads = config.sites.filter((id) => !gone.has(id)).map((id) => {
    const step = shareKeys(sites[id]!, roster);
    sites[id] = step.state;
    return wire(SharesUploadSchema, step.message);
  });

  const routed = routeShares(keys.state, uploads);
  for (const id of drop.beforeMasking ?? []) gone.add(id);
  const masked: Record<string, string> = {};
  const inputs = routed.message.filter((d) => !gone.has(d.to)).map((d) => {
    const delivery = wire(SharesDeliverySchema, d);
    const weight = plan.weights?.[d.to];
    const step = maskInput(sites[d.to]!, delivery, plan.updates[d.to]!, weight === undefined ? {} : { weight });
    sites[d.to] = step.state;
    masked[d.to] = step.message.masked;
    return wire(MaskedInputSchema, step.message);
  });

  const collected = collectMaskedInputs(routed.state, inputs);
  return { sites, server: collected.state, request: wire(UnmaskRequestSchema, collected.message), masked };
}

/** Runs all four rounds and returns the coordinator's result and what each side saw. */
export function runRound(plan: RoundPlan): RoundTrace {
  const { sites, server, request, masked } = runUntilUnmasking(plan);
  const gone = new Set(plan.drop?.beforeUnmasking ?? []);
  const responses = request.survivors.filter((id) => !gone.has(id)).map((id) => {
    const step = revealShares(sites[id]!, request);
    sites[id] = step.state;
    return wire(UnmaskResponseSchema, step.message);
  });
  const result = unmask(server, responses);
  const siteStates = Object.fromEntries(Object.entries(sites).filter(([, s]) => s.phase === 'masked')) as Record<string, MaskedSiteState>;
  return { result, masked, siteStates, server };
}
