import type { ImportTilesResult } from '../pathology/pathology-service.ts';
import type { SlideSummary } from '../pathology/slide-store.ts';
import { builder } from './builder.ts';
import { PatientType } from './patient.ts';

const ReasonCount = builder.objectRef<{ reason: string; count: number }>('TileReasonCount').implement({
  fields: (t) => ({
    reason: t.exposeString('reason', { description: 'background, no_tissue, pen, blur or unstainable' }),
    count: t.exposeInt('count'),
  }),
});

const SlideType = builder.objectRef<SlideSummary>('Slide').implement({
  description: 'A histopathology slide of the patient, as the tiles imported for it',
  fields: (t) => ({
    id: t.exposeString('slideId'),
    tileCount: t.exposeInt('tileCount'),
    kept: t.exposeInt('kept', { description: 'tiles that passed QC and were embedded' }),
    rejected: t.field({ type: [ReasonCount], resolve: (s) => s.rejected }),
    encoder: t.exposeString('encoder', { description: 'what made the embeddings, e.g. builtin-features@1' }),
    embeddingDim: t.exposeInt('embeddingDim'),
    updatedAt: t.exposeString('updatedAt'),
  }),
});

builder.objectFields(PatientType, (t) => ({
  slides: t.field({ type: [SlideType], resolve: (p, _args, ctx) => ctx.loaders.slides.load(p.id) }),
}));

const ImportTilesResultType = builder.objectRef<ImportTilesResult>('TileImportResult').implement({
  fields: (t) => ({
    importId: t.exposeID('importId'),
    slideId: t.exposeString('slideId'),
    encoder: t.exposeString('encoder'),
    tiles: t.exposeInt('tiles'),
    kept: t.exposeInt('kept'),
    rejected: t.field({ type: [ReasonCount], resolve: (r) => r.rejected }),
  }),
});

builder.mutationField('importTiles', (t) =>
  t.field({
    type: ImportTilesResultType,
    description: 'Imports H&E tiles (PNG, JPEG or TIFF) for a slide: QC, Macenko normalisation and embedding; any unreadable file rejects the batch',
    args: {
      patientId: t.arg.id({ required: true }),
      slideId: t.arg.string({ required: true }),
      files: t.arg({ type: ['File'], required: true }),
    },
    resolve: (_root, args, ctx) =>
      ctx.pathology.importTiles(
        (async function* () {
          for (const file of args.files) yield { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
        })(),
        { patientId: args.patientId, slideId: args.slideId, source: 'graphql' },
      ),
  }),
);
