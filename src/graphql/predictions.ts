import type { ModelCard } from '../inference/model-card.ts';
import type { PrognosisPrediction } from '../inference/prognosis-predictions.ts';
import { checkRegimens, type ResponsePrediction } from '../inference/response-predictions.ts';
import type { MutationPrediction } from '../inference/mutation-predictions.ts';
import { builder } from './builder.ts';
import { PatientType } from './patient.ts';

const CurvePoint = builder.objectRef<{ day: number; probability: number }>('SurvivalPoint').implement({
  fields: (t) => ({ day: t.exposeInt('day'), probability: t.exposeFloat('probability') }),
});

const MissingInput = builder.objectRef<{ feature: string; reason: string }>('MissingInput').implement({
  description: 'A model input the record did not hold, and what was used in its place',
  fields: (t) => ({ feature: t.exposeString('feature'), reason: t.exposeString('reason') }),
});

const PrognosisType = builder.objectRef<PrognosisPrediction>('Prognosis').implement({
  description: 'Overall survival from a Cox model: a risk score and a survival curve',
  fields: (t) => ({
    risk: t.exposeFloat('risk', { description: 'log relative hazard (0 is an average patient of the training data)' }),
    survivalCurve: t.field({ type: [CurvePoint], resolve: (p) => p.survivalCurve }),
    medianSurvivalDays: t.exposeInt('medianSurvivalDays', { nullable: true, description: 'first day on the curve at or below 0.5; null if the curve stays above' }),
    modelVersion: t.exposeString('modelVersion'),
    featureSchema: t.exposeString('featureSchema'),
    missingInputs: t.field({ type: [MissingInput], resolve: (p) => p.missingInputs }),
  }),
});

const ResponseType = builder.objectRef<ResponsePrediction>('TherapyResponse').implement({
  description: 'P(response) to a regimen from the response model',
  fields: (t) => ({
    therapy: t.exposeString('therapy'),
    probability: t.exposeFloat('probability'),
    line: t.exposeInt('line', { description: 'the line of therapy the regimen would be' }),
    modelVersion: t.exposeString('modelVersion'),
    missingInputs: t.field({ type: [MissingInput], resolve: (p) => p.missingInputs }),
  }),
});

const TileAttention = builder.objectRef<{ tileId: string; attention: number }>('TileAttention').implement({
  fields: (t) => ({ tileId: t.exposeString('tileId', { description: '<slide id>/<tile name>' }), attention: t.exposeFloat('attention') }),
});

const MutationType = builder.objectRef<MutationPrediction>('MutationPrediction').implement({
  description: "A biomarker predicted from the patient's H&E tiles by attention MIL",
  fields: (t) => ({
    biomarker: t.exposeString('biomarker'),
    probability: t.exposeFloat('probability'),
    modelVersion: t.exposeString('modelVersion'),
    tiles: t.exposeInt('tiles', { description: 'kept tiles in the bag' }),
    topTiles: t.field({
      type: [TileAttention],
      description: 'the tiles the model attended to most for this biomarker',
      args: { first: t.arg.int({ required: false, defaultValue: 5 }) },
      resolve: (m, args) => m.attention.slice(0, Math.max(0, Math.min(args.first ?? 5, 100))),
    }),
  }),
});

builder.objectFields(PatientType, (t) => ({
  mutationPredictions: t.field({
    type: [MutationType],
    description: 'Biomarker probabilities from the H&E slides (empty when the patient has no embedded tiles)',
    resolve: (p, _args, ctx) => ctx.mutation.predict(p.id),
  }),
  therapyResponse: t.field({
    type: [ResponseType],
    description: "Predicted response to candidate regimens, best first (default: the formulary's regimens for the patient's cancer)",
    args: { therapies: t.arg.stringList({ required: false }) },
    resolve: (p, args, ctx) => {
      checkRegimens(args.therapies ?? undefined);
      return ctx.loaders.response.load({ patientId: p.id, ...(args.therapies ? { therapies: args.therapies } : {}) });
    },
  }),
  prognosis: t.field({
    type: PrognosisType,
    nullable: true,
    description: "Prognosis from the site's model; null when the patient is outside its intended use (breast cancer)",
    resolve: (p, _args, ctx) => ctx.loaders.prognosis.load(p.id),
  }),
}));

const ModelType = builder.objectRef<ModelCard>('Model').implement({
  description: 'A model version active at this site, as its card describes it',
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeString('version'),
    task: t.exposeString('task'),
    featureSchema: t.exposeString('featureSchema'),
    sha256: t.exposeString('sha256'),
    syntheticTrainingData: t.boolean({ resolve: (c) => c.training.synthetic }),
    card: t.field({ type: 'JSON', resolve: (c) => c }),
  }),
});

builder.queryField('models', (t) => t.field({ type: [ModelType], resolve: (_root, _args, ctx) => ctx.models.active() }));
