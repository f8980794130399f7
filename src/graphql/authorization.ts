import { defaultFieldResolver, GraphQLObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { argumentAt, authorize } from '../auth/authorize.ts';
import { requirementFor } from '../auth/requirements.ts';
import type { GraphQLContext } from './builder.ts';

/** Patients a root field's answer names itself (an import's `patientIds`). */
function patientsOfResult(result: unknown): readonly string[] {
  const ids = (result as { patientIds?: unknown } | null)?.patientIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Puts every field of the schema under its declared requirement (src/auth/requirements.ts): the
 * caller's role, SMART scopes and patient context are checked before the field resolves, so a
 * refused field never reads anything. A root field without a requirement throws here, at start-up,
 * so no operation ships unprotected. Also notes, for the audit log, which patients the request
 * touched: every Patient object a field resolved on, every patient argument and every patient an
 * import wrote.
 */
export function protectSchema(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    const root = type === schema.getQueryType() || type === schema.getMutationType() || type === schema.getSubscriptionType();
    for (const field of Object.values(type.getFields())) {
      const operation = `${type.name}.${field.name}`;
      const requirement = requirementFor(operation);
      const isPatientField = type.name === 'Patient';
      if (!requirement && !isPatientField && !root) continue;
      const inner: GraphQLFieldResolver<unknown, GraphQLContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args: Record<string, unknown>, ctx: GraphQLContext, info) => {
        // noted before the check, so a refused attempt on a patient is on record too
        const audit = ctx.audit;
        if (root) audit.operations.add(operation);
        if (requirement && requirement.public !== true && requirement.patient.kind === 'argument') {
          const id = argumentAt(args, requirement.patient.name);
          if (typeof id === 'string') audit.patients.add(id);
        }
        if (requirement) authorize(ctx.principal, requirement, args);
        if (isPatientField) {
          const id = (source as { id?: unknown }).id;
          if (typeof id === 'string') audit.patients.add(id);
        }
        const result = inner(source, args, ctx, info);
        if (!root) return result;
        const note = (value: unknown) => {
          for (const id of patientsOfResult(value)) audit.patients.add(id);
          return value;
        };
        return isPromise(result) ? result.then(note) : note(result);
      };
    }
  }
  return schema;
}
