import type { Plugin } from 'graphql-yoga';
import type { DefinitionNode, ExecutionResult } from 'graphql';
import { AUDIT_SUCCESS, auditOutcomeOf, type AuditOperation } from '../audit/build-audit-event.ts';
import type { AuditRecorder } from '../audit/audit-recorder.ts';
import type { GraphQLContext } from './builder.ts';
import { findDomainError } from './domain-error-of.ts';

/** The worst outcome among a result's errors: a refusal or bad input is minor (4), a fault serious (8). */
function outcomeOf(result: ExecutionResult): ReturnType<typeof auditOutcomeOf> {
  let worst = AUDIT_SUCCESS;
  for (const err of result.errors ?? []) {
    const o = auditOutcomeOf(findDomainError(err) ?? err);
    if (o.code > worst.code) worst = o;
  }
  return worst;
}

/**
 * Writes the BALP audit events of each GraphQL operation that touched a patient, wrote anything,
 * or was refused, once execution is done and before the answer leaves: one event per patient
 * (authorization.ts collected them). The operation is named by its root fields; the query text
 * and variables are not stored, because they can hold identifiers.
 */
export function useAudit(recorder: AuditRecorder): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      const mutation = args.document.definitions.some((d: DefinitionNode) => d.kind === 'OperationDefinition' && d.operation === 'mutation');
      return {
        async onExecuteDone({ result }) {
          const ctx = args.contextValue as GraphQLContext;
          if (!ctx.principal || !('errors' in result || 'data' in result)) return;
          const outcome = outcomeOf(result as ExecutionResult);
          const patients = [...ctx.audit.patients];
          if (patients.length === 0 && !mutation && outcome.code === 0) return;
          const operations = [...ctx.audit.operations].sort();
          const op: AuditOperation = {
            channel: 'graphql',
            name: (operations.join(',') || 'graphql').slice(0, 200),
            interaction: mutation ? 'create' : patients.length === 1 && operations.length === 1 && operations[0] === 'Query.patient' ? 'read' : 'search-type',
          };
          const p = ctx.principal;
          await recorder.record(
            { requestId: ctx.requestId, clientId: p.clientId, userId: p.subject, role: p.role },
            op,
            patients,
            outcome,
          );
        },
      };
    },
  };
}
