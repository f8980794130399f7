import type { StoredResource } from '../clinical/clinical-service.ts';
import type { SourceRef } from '../clinical/mcode/types.ts';
import { builder } from './builder.ts';

/** A stored FHIR resource, raw. */
export const FhirResourceRef = builder.objectRef<StoredResource>('FhirResource').implement({
  description: 'A FHIR R4 resource as stored at this site (references resolved to Type/id)',
  fields: (t) => ({
    resourceType: t.exposeString('resourceType'),
    id: t.exposeString('id'),
    version: t.exposeInt('version', { description: 'site version, +1 on every change' }),
    lastUpdated: t.exposeString('lastUpdated'),
    json: t.field({ type: 'JSON', resolve: (r) => r.content }),
  }),
});

/** Where a derived value came from. */
export const SourceRefType = builder.objectRef<SourceRef>('SourceRef').implement({
  description: 'The stored resource a derived value was read from',
  fields: (t) => ({
    resourceType: t.exposeString('resourceType'),
    id: t.exposeString('id'),
    resource: t.field({
      type: FhirResourceRef,
      nullable: true,
      resolve: (s, _args, ctx) => ctx.clinical.resource(s.resourceType, s.id),
    }),
  }),
});
