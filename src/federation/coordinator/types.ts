/** Shapes shared by the coordinator's modules: rows as the domain sees them, and the clock. */
import type { CoordinatorState } from '../secagg/protocol-server.ts';
import type { SharesDelivery, UnmaskRequest } from '../secagg/messages.ts';
import type { DpSettings, PrivacyReport } from '../protocol/messages.ts';
import type { StrategyConfig } from '../strategies/strategy-config.ts';
import type { ParameterLayout } from '../privacy/dp-sgd.ts';

/** Milliseconds since the epoch; injected so tests can move time past deadlines. */
export type Clock = () => number;

export type RoundState = 'open' | 'aggregating' | 'closed' | 'failed';

/** Secure-aggregation progress kept in the round row: the pure protocol's state and what it relays. */
export interface SecAggRoundState {
  protocol: CoordinatorState;
  /** each U2 site's encrypted shares, once the share step has closed */
  deliveries?: SharesDelivery[];
  /** the survivors (U3), once the masked-input step has closed */
  unmaskRequest?: UnmaskRequest;
}

export interface RoundRow {
  id: string;
  federationId: string;
  lineageId: string;
  baseVersion: number;
  strategy: StrategyConfig;
  localSteps: number;
  learningRate: number;
  batchSize: number;
  mu: number | null;
  dp: DpSettings | null;
  secagg: boolean;
  secaggState: SecAggRoundState | null;
  /** ms; end of the current secure-aggregation step other than masking */
  stageDeadline: number | null;
  quorum: number;
  target: number;
  maxDeltaNorm: number | null;
  maxNumExamples: number | null;
  invited: string[];
  /** ms */
  deadline: number;
  state: RoundState;
  failure: string | null;
  resultVersion: number | null;
  openedAt: number;
  closedAt: number | null;
}

export interface LineageRow {
  id: string;
  federationId: string;
  family: string;
  layout: ParameterLayout;
  parameterCount: number;
  strategyState: unknown;
}

export interface SubmissionRow {
  roundId: string;
  siteId: string;
  kind: 'update' | 'declined';
  updateSha256: string | null;
  delta: Float64Array | null;
  numExamples: number | null;
  privacy: PrivacyReport | null;
  declineReason: string | null;
  receipt: unknown;
}

/** A secure-aggregation step a site posts. */
export type SecAggStep = 'keys' | 'shares' | 'masked' | 'unmask';

export interface SecAggMessageRow {
  siteId: string;
  step: SecAggStep;
  body: unknown;
  bodySha256: string;
}
