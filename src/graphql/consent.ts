import { builder } from './builder.ts';

const ConsentWithdrawalType = builder.objectRef<{ patientId: string; recordedAt: string }>('ConsentWithdrawal').implement({
  description: 'A recorded withdrawal of consent to federated training',
  fields: (t) => ({
    patientId: t.exposeID('patientId'),
    recordedAt: t.exposeString('recordedAt', { description: 'ISO time; rounds that start after it leave the patient out' }),
  }),
});

builder.mutationField('withdrawConsent', (t) =>
  t.field({
    type: ConsentWithdrawalType,
    description: "Records that a patient withdrew consent to federated training: the patient's records are left out of every round that starts afterwards",
    args: {
      patientId: t.arg.id({ required: true }),
      reason: t.arg.string({ required: true, description: 'kept at the site, never logged or sent' }),
    },
    resolve: (_root, args, ctx) => ctx.consent.withdrawConsent(String(args.patientId), args.reason),
  }),
);
