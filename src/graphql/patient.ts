import { badInput } from '../errors/domain-error.ts';
import { builder } from './builder.ts';
import { ClinicalSummaryType } from './clinical-summary.ts';
import { FhirResourceRef } from './fhir-resource.ts';

interface PatientParent {
  id: string;
}

const MAX_PAGE = 200;

const ResourceCount = builder.objectRef<{ resourceType: string; count: number }>('ResourceCount').implement({
  fields: (t) => ({ resourceType: t.exposeString('resourceType'), count: t.exposeInt('count') }),
});

export const PatientType = builder.objectRef<PatientParent>('Patient').implement({
  description: 'A patient of this site, with the clinical features derived from their FHIR record',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'the FHIR Patient id at this site' }),
    clinical: t.field({
      type: ClinicalSummaryType,
      nullable: true,
      resolve: async (p, _args, ctx) => {
        const stored = await ctx.loaders.summary.load(p.id);
        return stored ? { ...stored.summary, dataVersion: stored.dataVersion } : null;
      },
    }),
    resources: t.field({
      type: [FhirResourceRef],
      description: "The raw FHIR resources in this patient's compartment, optionally of one type",
      args: { type: t.arg.string({ required: false, description: 'a FHIR resource type, e.g. Observation' }) },
      resolve: (p, args, ctx) => ctx.clinical.resources(p.id, args.type ?? undefined),
    }),
    resourceCounts: t.field({
      type: [ResourceCount],
      resolve: (p, _args, ctx) => ctx.clinical.resourceCounts(p.id),
    }),
  }),
});

builder.queryType({
  fields: (t) => ({
    patient: t.field({
      type: PatientType,
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      // every stored Patient has a summary (written in the same transaction), and the loader shares it with the fields below
      resolve: async (_root, args, ctx) => ((await ctx.loaders.summary.load(args.id)) ? { id: args.id } : null),
    }),
    patients: t.connection(
      {
        type: PatientType,
        resolve: async (_root, args, ctx) => {
          const first = args.first ?? 50;
          if (first < 0 || first > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`);
          if (args.last != null || args.before != null) throw badInput('patients pages forward only: use first and after');
          const page = await ctx.clinical.listPatients(first, args.after ?? undefined);
          return {
            totalCount: page.totalCount,
            edges: page.ids.map((id) => ({ cursor: id, node: { id } })),
            pageInfo: {
              hasNextPage: page.hasNextPage,
              hasPreviousPage: args.after != null,
              startCursor: page.ids[0] ?? null,
              endCursor: page.ids.at(-1) ?? null,
            },
          };
        },
      },
      {
        fields: (c) => ({
          totalCount: c.int({ resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
        }),
      },
    ),
  }),
});
