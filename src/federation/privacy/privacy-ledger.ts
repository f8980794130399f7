/**
 * A site's privacy ledger: the (ε, δ) budget its patients' data may spend across federated rounds,
 * and the DP-SGD rounds charged against it so far. Composition is by the RDP accountant, so ε of the
 * whole history is far below the sum of per-round epsilons (Mironov 2017, "Rényi Differential
 * Privacy", https://arxiv.org/abs/1702.07476, Proposition 1). Pure logic; storage sits elsewhere and
 * keeps the ledger as the JSON of {@link PrivacyLedger.toJSON}.
 */
import { z } from 'zod';
import { DomainError, ErrorCode } from '../../errors/domain-error.ts';
import { DEFAULT_ORDERS, RdpAccountant, computeRdp, epsilonFromRdp, type SgmSteps } from './rdp-accountant.ts';

/** The most a site lets its data spend: ε at the given δ. */
export interface PrivacyBudget {
  epsilon: number;
  delta: number;
}

/** One round of local DP-SGD: `steps` steps at Poisson rate q with noise multiplier σ. */
export interface PrivacyRound extends SgmSteps {
  roundId: string;
}

/** What has been spent: ε at the budget's δ. */
export interface PrivacySpentSoFar {
  epsilon: number;
  delta: number;
}

/**
 * A round refused because it would take ε past the budget. A conflict with the ledger's state, not
 * bad input: the same round fits a ledger with more budget left.
 */
export class PrivacyBudgetExceededError extends DomainError {
  constructor(
    readonly roundId: string,
    readonly epsilonAfter: number,
    readonly budget: PrivacyBudget,
  ) {
    const message = `round ${roundId} would bring epsilon to ${epsilonAfter} at delta ${budget.delta}, over the budget of ${budget.epsilon}`;
    super(ErrorCode.CONFLICT, message, [{ expression: 'round', message }]);
    this.name = 'PrivacyBudgetExceededError';
  }
}

const finitePositive = z.number().positive().refine(Number.isFinite, 'must be finite');

const budgetSchema = z.object({
  epsilon: finitePositive,
  delta: z.number().gt(0).lt(1),
});

const roundSchema = z.object({
  roundId: z.string().min(1),
  sampleRate: z.number().min(0).max(1),
  noiseMultiplier: z.number().min(0).refine(Number.isFinite, 'must be finite'),
  steps: z.number().int().min(0),
});

const ledgerSchema = z.object({
  version: z.literal(1),
  budget: budgetSchema,
  rounds: z.array(roundSchema),
});

/** The stored form of a ledger. */
export type PrivacyLedgerJson = z.infer<typeof ledgerSchema>;

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ expression: [what, ...i.path.map(String)].join('.'), message: i.message }));
  throw new DomainError(ErrorCode.BAD_INPUT, `invalid ${what}`, issues);
}

/** A per-site privacy budget with the rounds charged against it. */
export class PrivacyLedger {
  readonly budget: PrivacyBudget;
  private readonly charged: PrivacyRound[] = [];
  private readonly accountant: RdpAccountant;

  /**
   * Rounds given here are taken as already spent, even past the budget (the budget may have been
   * lowered since): the ledger records the past and refuses only new rounds.
   */
  constructor(budget: PrivacyBudget, rounds: readonly PrivacyRound[] = [], orders: readonly number[] = DEFAULT_ORDERS) {
    this.budget = { ...checked(budgetSchema, budget, 'budget') };
    this.accountant = new RdpAccountant(orders);
    for (const round of rounds) this.record(checked(roundSchema, round, 'round'));
  }

  /** Reads a ledger back from its stored JSON; anything malformed is bad input, located by path. */
  static fromJSON(json: unknown, orders: readonly number[] = DEFAULT_ORDERS): PrivacyLedger {
    const { budget, rounds } = checked(ledgerSchema, json, 'ledger');
    return new PrivacyLedger(budget, rounds, orders);
  }

  toJSON(): PrivacyLedgerJson {
    return { version: 1, budget: { ...this.budget }, rounds: this.rounds.map((r) => ({ ...r })) };
  }

  /** Charged rounds, oldest first. */
  get rounds(): readonly Readonly<PrivacyRound>[] {
    return this.charged.map((r) => ({ ...r }));
  }

  /** ε spent so far at the budget's δ. */
  spent(): PrivacySpentSoFar {
    const { epsilon, delta } = this.accountant.privacySpent(this.budget.delta);
    return { epsilon, delta };
  }

  /** ε at the budget's δ if `round` were charged now. */
  epsilonAfter(round: PrivacyRound): number {
    const next = checked(roundSchema, round, 'round');
    const planned = computeRdp(next.sampleRate, next.noiseMultiplier, next.steps, this.accountant.orders);
    const total = this.accountant.rdp().map((r, k) => r + (planned[k] as number));
    return epsilonFromRdp(this.accountant.orders, total, this.budget.delta).epsilon;
  }

  /** Whether charging `round` would take ε above the budget. */
  wouldExceed(round: PrivacyRound): boolean {
    return this.epsilonAfter(round) > this.budget.epsilon;
  }

  /**
   * Charges `round` and returns what is spent afterwards. Throws {@link PrivacyBudgetExceededError}
   * when the budget would be exceeded and a CONFLICT when the round id was already charged; in both
   * cases the ledger is unchanged.
   */
  charge(round: PrivacyRound): PrivacySpentSoFar {
    const next = checked(roundSchema, round, 'round');
    this.refuseDuplicate(next.roundId);
    const after = this.epsilonAfter(next);
    if (after > this.budget.epsilon) throw new PrivacyBudgetExceededError(next.roundId, after, this.budget);
    this.record(next);
    return this.spent();
  }

  private refuseDuplicate(roundId: string): void {
    if (this.charged.some((r) => r.roundId === roundId)) {
      throw new DomainError(ErrorCode.CONFLICT, `round ${roundId} is already charged to this ledger`);
    }
  }

  private record(round: PrivacyRound): void {
    this.refuseDuplicate(round.roundId);
    this.charged.push({ ...round });
    this.accountant.compose(round);
  }
}
