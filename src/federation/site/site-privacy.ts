/**
 * The site's privacy ledger across polls: loaded once from the store (the rounds it has charged)
 * under the budget the operator configured, asked before training whether a round fits, and charged
 * with the steps actually taken before the update leaves the site.
 */
import { PrivacyLedger, type PrivacyBudget } from '../privacy/privacy-ledger.ts';
import type { SgmSteps } from '../privacy/rdp-accountant.ts';
import type { PrivacyReport } from '../protocol/messages.ts';
import type { SiteStore } from './site-store.ts';
import type { PrivacyPlanner, RoundWork } from './types.ts';

/**
 * The cost of a round before training: the planner's, or for a DP round without one, q = 1 (every
 * example in every step), the most a round of that many steps at that σ can cost.
 */
export async function plannedSteps(work: RoundWork, planner: PrivacyPlanner | undefined): Promise<SgmSteps | null> {
  if (planner) return planner(work);
  if (!work.dp) return null;
  return { sampleRate: 1, noiseMultiplier: work.dp.noiseMultiplier, steps: work.localSteps };
}

export interface SiteLedger {
  /** The ledger as it stands (stored charges under the configured budget). */
  get(): Promise<PrivacyLedger | null>;
  /** Whether charging `steps` for `roundId` would exceed the budget; false without a ledger. */
  wouldExceed(roundId: string, steps: SgmSteps | null): Promise<boolean>;
  /**
   * Charges `steps` for `roundId` (once: a round already charged is not charged again) and returns
   * what the site reports: ε and δ spent so far, or null for a round without DP or a site without a ledger.
   */
  charge(roundId: string, steps: SgmSteps | null): Promise<{ report: PrivacyReport | null; ledger: PrivacyLedger | null }>;
}

/** The ledger of `federationId`, with `configured` giving the budget (and any charges made before). */
export function siteLedger(store: SiteStore, federationId: string, configured: PrivacyLedger | undefined): SiteLedger {
  let cached: PrivacyLedger | null | undefined;
  const get = async (): Promise<PrivacyLedger | null> => {
    if (cached !== undefined) return cached;
    const stored = await store.loadLedger(federationId);
    const budget: PrivacyBudget | undefined = configured?.budget ?? stored?.budget;
    if (!budget) return (cached = null);
    // Charges are history and are kept from both sources; the configured budget wins, so an operator can lower it.
    const rounds = new Map([...(stored?.rounds ?? []), ...(configured?.rounds ?? [])].map((r) => [r.roundId, r]));
    return (cached = new PrivacyLedger(budget, [...rounds.values()]));
  };
  return {
    get,
    async wouldExceed(roundId, steps) {
      const ledger = await get();
      if (!ledger || !steps || ledger.rounds.some((r) => r.roundId === roundId)) return false;
      return ledger.wouldExceed({ roundId, ...steps });
    },
    async charge(roundId, steps) {
      const ledger = await get();
      if (!ledger || !steps) return { report: null, ledger };
      if (!ledger.rounds.some((r) => r.roundId === roundId)) ledger.charge({ roundId, ...steps });
      const spent = ledger.spent();
      return { report: { epsilon: spent.epsilon, delta: spent.delta }, ledger };
    },
  };
}
