import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { protectSchema } from './authorization.ts';
import { builder } from './builder.ts';
import './scalars.ts';
import './fhir-resource.ts';
import './clinical-summary.ts';
import './patient.ts';
import './fhir-import.ts';
import './genomics.ts';
import './pathology.ts';
import './predictions.ts';
import './consent.ts';
import './federation.ts';
import './outcomes.ts';
import './therapy.ts';
import './trials.ts';
import './cohort.ts';

let schema: GraphQLSchema | undefined;

/** The site's GraphQL schema (built once per process). */
export function getSchema(): GraphQLSchema {
  schema ??= protectSchema(builder.toSchema());
  return schema;
}

/** The SDL committed at schema/schema.graphql. */
export function printSdl(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}
