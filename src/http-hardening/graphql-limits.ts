import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logging/logger.ts';
import { GraphqlLimitsSchema, type GraphqlLimits } from './hardening-config.ts';

export interface GraphqlLimitOptions extends Partial<GraphqlLimits> {
  /** refusals are logged at info with the limit's name (never the document, which may quote PHI) */
  logger?: Logger;
}

/** Which limit refused a document, in `extensions.limit` of the error. */
export type GraphqlLimitName = 'maxTokens' | 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxCost';

/**
 * Envelop plugins (for `createYoga({ plugins })`) that refuse a document before it runs when it is
 * too long (tokens, counted while parsing), too deep, too wide in aliases or directives, or too
 * costly. Built on GraphQL Armor (https://escape.tech/graphql-armor/docs/category/plugins).
 *
 * A refusal is an ordinary GraphQL request error, like any other validation failure
 * (`GRAPHQL_VALIDATION_FAILED`, or `GRAPHQL_PARSE_FAILED` for the token limit), so Yoga answers it
 * as the GraphQL-over-HTTP spec says: 400 to `application/graphql-response+json` clients, 200 with
 * `errors` to `application/json` ones. No resolver runs.
 */
export function createGraphqlLimitPlugins(options: GraphqlLimitOptions = {}): Plugin[] {
  const { logger, ...given } = options;
  const limits = GraphqlLimitsSchema.parse(given);
  const common = { exposeLimits: limits.exposeLimits, errorMessage: 'Query validation error.' };
  // Armor's default throws out of graphql-js validation with a "Syntax Error:" prefix; reporting
  // instead lets Yoga treat the refusal exactly like its own validation errors.
  const reporting = (limit: GraphqlLimitName) => ({
    ...common,
    propagateOnRejection: false,
    onReject: [
      (ctx: ValidationContext | null, err: GraphQLError) => {
        logger?.info({ limit }, 'graphql document refused');
        ctx?.reportError(
          new GraphQLError(err.message.replace(/^Syntax Error: /, ''), { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit } }),
        );
      },
    ],
  });
  return [
    // the token limit acts inside the parser, before any AST is built, so it must throw
    maxTokensPlugin({ ...common, n: limits.maxTokens, propagateOnRejection: true, onReject: [() => logger?.info({ limit: 'maxTokens' }, 'graphql document refused')] }),
    maxDepthPlugin({ ...reporting('maxDepth'), n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: false }),
    maxAliasesPlugin({ ...reporting('maxAliases'), n: limits.maxAliases }),
    maxDirectivesPlugin({ ...reporting('maxDirectives'), n: limits.maxDirectives }),
    costLimitPlugin({ ...reporting('maxCost'), maxCost: limits.maxCost, ignoreIntrospection: true }),
  ] as Plugin[];
}
