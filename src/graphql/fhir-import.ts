import type { ImportResult } from '../clinical/clinical-service.ts';
import type { InputIssue } from '../errors/domain-error.ts';
import { builder } from './builder.ts';

export const InputIssueType = builder.objectRef<InputIssue>('InputIssue').implement({
  description: 'A problem found in submitted data, located by entry index and a FHIRPath-like expression, or by file and line',
  fields: (t) => ({
    entry: t.exposeInt('entry', { nullable: true }),
    expression: t.exposeString('expression', { nullable: true }),
    file: t.exposeString('file', { nullable: true }),
    line: t.exposeInt('line', { nullable: true }),
    message: t.exposeString('message'),
  }),
});

const ImportedEntryType = builder.objectRef<ImportResult['entries'][number]>('ImportedEntry').implement({
  fields: (t) => ({
    index: t.exposeInt('index'),
    resourceType: t.exposeString('resourceType'),
    id: t.exposeString('id'),
    version: t.exposeInt('version'),
    outcome: t.exposeString('outcome', { description: 'created, updated or unchanged' }),
  }),
});

const ImportResultType = builder.objectRef<ImportResult>('FhirImportResult').implement({
  fields: (t) => ({
    importId: t.exposeString('importId'),
    kind: t.exposeString('kind', { description: 'collection, transaction, batch or resource' }),
    patientIds: t.exposeStringList('patientIds', { description: 'patients created or updated by this import' }),
    entries: t.field({ type: [ImportedEntryType], resolve: (r) => r.entries }),
    warnings: t.field({ type: [InputIssueType], resolve: (r) => r.warnings }),
  }),
});

builder.mutationType({
  fields: (t) => ({
    importFhirBundle: t.field({
      type: ImportResultType,
      description: 'Imports a FHIR R4 Bundle (collection, transaction or batch) or a single resource, all or nothing',
      args: { bundle: t.arg({ type: 'JSON', required: true }) },
      resolve: (_root, args, ctx) => ctx.clinical.importBundle(args.bundle, 'graphql'),
    }),
  }),
});
