import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Request, Response } from 'express';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Services } from '../app.ts';
import type { AuditRecorder } from '../audit/audit-recorder.ts';
import { principalOf } from '../auth/require-auth.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { useAudit } from './audit-plugin.ts';
import { findDomainError } from './domain-error-of.ts';
import type { Logger } from '../logging/logger.ts';
import type { GraphQLContext } from './builder.ts';
import { createLoaders } from './loaders.ts';
import { getSchema } from './schema.ts';

export interface GraphqlOptions extends Services {
  logger: Logger;
  /** where each operation that touches a patient is recorded */
  audit: AuditRecorder;
  /** this site's secret for keyed pseudonyms (trial-matcher cohort answers) */
  pseudonymKey: () => Promise<Uint8Array>;
  /** document limits (depth, aliases, tokens, cost) from http-hardening */
  plugins?: Plugin[];
  graphiql: boolean;
  /**
   * Bodies yoga reads itself: multipart uploads (JSON bodies are taken, with their own limit, by
   * express.json before yoga sees them).
   */
  maxUploadBytes: number;
}

/** What express hands yoga with each request. */
export interface ServerContext {
  req: Request;
  res: Response;
}

/**
 * The GraphQL endpoint. Domain errors reach the client with `extensions.code` and an HTTP status;
 * anything else is logged whole and masked.
 */
export function createGraphqlHandler(options: GraphqlOptions): YogaServerInstance<ServerContext, GraphQLContext> {
  const { logger, graphiql: _graphiql, maxUploadBytes: _max, audit, pseudonymKey, plugins = [], ...services } = options;
  return createYoga<ServerContext, GraphQLContext>({
    schema: getSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ? { title: 'Sangam site node' } : false,
    // the GraphiQL bundle is served from the package: hospital networks often block CDNs
    renderGraphiQL,
    landingPage: false,
    maxRequestBodySize: options.maxUploadBytes,
    logging: false,
    plugins: [...plugins, useAudit(audit)],
    // the caller was verified by the express gate in front of yoga (app.ts), which left it on res.locals
    context: ({ request, res }) => ({
      ...services,
      principal: res ? principalOf(res) : undefined,
      audit: { operations: new Set<string>(), patients: new Set<string>() },
      pseudonymKey,
      requestId: request.headers.get('x-request-id') ?? randomUUID(),
      logger,
      loaders: createLoaders(services),
    }),
    maskedErrors: {
      maskError(error, message) {
        const domain = findDomainError(error);
        if (isDomainError(domain)) {
          return new GraphQLError(domain.message, {
            extensions: {
              code: domain.code,
              http: { status: domain.httpStatus },
              ...(domain.issues.length > 0 ? { issues: domain.issues } : {}),
            },
          });
        }
        if (error instanceof GraphQLError && !error.originalError) return error; // validation / syntax errors
        options.logger.error({ err: error instanceof GraphQLError ? (error.originalError ?? error) : error }, 'unexpected graphql error');
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
  });
}
