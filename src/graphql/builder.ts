import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type DataLoader from 'dataloader';
import type { Services } from '../app.ts';
import type { StoredSummary } from '../clinical/clinical-service.ts';
import type { CallSetRow } from '../genomics/variant-store.ts';
import type { SlideSummary } from '../pathology/slide-store.ts';
import type { PrognosisPrediction } from '../inference/prognosis-predictions.ts';
import type { ResponsePrediction } from '../inference/response-predictions.ts';
import type { Logger } from '../logging/logger.ts';
import type { Principal } from '../auth/principal.ts';

/** Per-request loaders; made fresh for every request so nothing leaks between callers. */
export interface Loaders {
  summary: DataLoader<string, StoredSummary | undefined>;
  /** batches the prognosis of every patient in one request into one model run */
  prognosis: DataLoader<string, PrognosisPrediction | null>;
  /** a patient's variant call sets, read once per request however many fields need them */
  callSets: DataLoader<string, CallSetRow[]>;
  /** a patient's slides, read once per request */
  slides: DataLoader<string, SlideSummary[]>;
  /** batches every therapy-response question of a request into one model run */
  response: DataLoader<{ patientId: string; therapies?: readonly string[] }, ResponsePrediction[], string>;
}

/** What one request touched, for its audit record (filled in by authorization.ts). */
export interface RequestAudit {
  /** the root fields it called (`Query.patient`) */
  operations: Set<string>;
  /** every patient whose data it read or wrote */
  patients: Set<string>;
}

/** What every resolver sees: the site's services, the caller, and the request's id, logger and loaders. */
export interface GraphQLContext extends Services {
  /** the verified caller; undefined only when a test executes the schema without the HTTP gate */
  principal: Principal | undefined;
  audit: RequestAudit;
  /** this site's secret for keyed pseudonyms (trial-matcher cohort answers) */
  pseudonymKey: () => Promise<Uint8Array>;
  requestId: string;
  logger: Logger;
  loaders: Loaders;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    /** a file sent with the GraphQL multipart request protocol */
    File: { Input: File; Output: never };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: { clientMutationId: 'omit', cursorType: 'String' },
});
