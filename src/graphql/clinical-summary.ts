import type {
  CancerCondition,
  SourceRef,
  CancerMedication,
  ClinicalSummary,
  Code,
  Derived,
  DiseaseStatus,
  GenomicVariantFinding,
  StageValue,
  Staging,
  TumorMarker,
} from '../clinical/mcode/types.ts';
import { builder } from './builder.ts';
import { SourceRefType } from './fhir-resource.ts';

export const CodeType = builder.objectRef<Code>('Code').implement({
  description: 'A coding as found in the source record',
  fields: (t) => ({
    system: t.exposeString('system', { nullable: true }),
    code: t.exposeString('code', { nullable: true }),
    display: t.exposeString('display', { nullable: true }),
  }),
});

/** Every value read from a resource carries where it came from and, when known, its date. */
const Sourced = builder.interfaceRef<{ date?: string; source: SourceRef }>('Sourced').implement({
  description: 'A value derived from a stored FHIR resource',
  fields: (t) => ({
    date: t.exposeString('date', { nullable: true, description: 'effective date of the source, when it has one' }),
    source: t.field({ type: SourceRefType, resolve: (d) => d.source }),
  }),
});

const DerivedString = builder.objectRef<Derived<string>>('DerivedString').implement({
  interfaces: [Sourced],
  fields: (t) => ({
    value: t.exposeString('value'),
  }),
});

const DerivedInt = builder.objectRef<Derived<number>>('DerivedInt').implement({
  interfaces: [Sourced],
  fields: (t) => ({
    value: t.exposeInt('value'),
  }),
});

const DerivedBoolean = builder.objectRef<Derived<boolean>>('DerivedBoolean').implement({
  interfaces: [Sourced],
  fields: (t) => ({
    value: t.exposeBoolean('value'),
  }),
});

const DerivedCode = builder.objectRef<Derived<Code>>('DerivedCode').implement({
  interfaces: [Sourced],
  fields: (t) => ({
    value: t.field({ type: CodeType, resolve: (d) => d.value }),
  }),
});

const CancerConditionType = builder.objectRef<CancerCondition>('CancerCondition').implement({
  fields: (t) => ({
    codes: t.field({ type: [CodeType], resolve: (c) => c.codes }),
    cancerType: t.exposeString('cancerType', { nullable: true }),
    histology: t.field({ type: CodeType, nullable: true, resolve: (c) => c.histology }),
    bodySite: t.field({ type: CodeType, nullable: true, resolve: (c) => c.bodySite }),
    diagnosisDate: t.exposeString('diagnosisDate', { nullable: true }),
    clinicalStatus: t.exposeString('clinicalStatus', { nullable: true }),
    source: t.field({ type: SourceRefType, resolve: (c) => c.source }),
  }),
});

const StageValueType = builder.objectRef<StageValue>('StageValue').implement({
  interfaces: [Sourced],
  fields: (t) => ({
    label: t.exposeString('label', { description: 'e.g. T3, N3, M0, IIIC' }),
    type: t.exposeString('type', { description: 'clinical, pathologic or unspecified' }),
    code: t.field({ type: CodeType, resolve: (s) => s.code }),
  }),
});

const StagingType = builder.objectRef<Staging>('Staging').implement({
  fields: (t) => ({
    group: t.field({ type: StageValueType, nullable: true, resolve: (s) => s.group }),
    t: t.field({ type: StageValueType, nullable: true, resolve: (s) => s.t }),
    n: t.field({ type: StageValueType, nullable: true, resolve: (s) => s.n }),
    m: t.field({ type: StageValueType, nullable: true, resolve: (s) => s.m }),
    method: t.field({ type: CodeType, nullable: true, resolve: (s) => s.method }),
  }),
});

const Quantity = builder.objectRef<{ value: number; unit?: string }>('Quantity').implement({
  fields: (t) => ({
    value: t.exposeFloat('value'),
    unit: t.exposeString('unit', { nullable: true }),
  }),
});

const TumorMarkerType = builder.objectRef<TumorMarker>('TumorMarker').implement({
  interfaces: [Sourced],
  fields: (t) => ({
    marker: t.exposeString('marker', { description: 'ER, PR, HER2, MSI, TMB, PDL1, KI67 or OTHER' }),
    code: t.field({ type: CodeType, resolve: (m) => m.code }),
    status: t.exposeString('status', { nullable: true }),
    quantity: t.field({ type: Quantity, nullable: true, resolve: (m) => m.quantity }),
    valueCode: t.field({ type: CodeType, nullable: true, resolve: (m) => m.valueCode }),
    valueText: t.exposeString('valueText', { nullable: true }),
  }),
});

const GenomicVariantType = builder.objectRef<GenomicVariantFinding>('GenomicVariantFinding').implement({
  description: 'A variant reported in the FHIR record (mCODE GenomicVariant, LOINC 69548-6)',
  interfaces: [Sourced],
  fields: (t) => ({
    gene: t.exposeString('gene', { nullable: true }),
    hgncId: t.exposeString('hgncId', { nullable: true }),
    hgvsGenomic: t.exposeString('hgvsGenomic', { nullable: true }),
    hgvsCoding: t.exposeString('hgvsCoding', { nullable: true }),
    hgvsProtein: t.exposeString('hgvsProtein', { nullable: true }),
    genomicSource: t.exposeString('genomicSource', { nullable: true }),
    alleleFrequency: t.exposeFloat('alleleFrequency', { nullable: true }),
  }),
});

const CancerMedicationType = builder.objectRef<CancerMedication>('CancerMedication').implement({
  fields: (t) => ({
    codes: t.field({ type: [CodeType], resolve: (m) => m.codes }),
    display: t.exposeString('display', { nullable: true }),
    status: t.exposeString('status', { nullable: true }),
    statusReason: t.field({ type: CodeType, nullable: true, resolve: (m) => m.statusReason }),
    intent: t.field({ type: CodeType, nullable: true, resolve: (m) => m.intent }),
    line: t.int({ nullable: true, description: 'Line of therapy (1 = first line), when the record states it', resolve: (m) => m.line }),
    start: t.exposeString('start', { nullable: true }),
    end: t.exposeString('end', { nullable: true }),
    source: t.field({ type: SourceRefType, resolve: (m) => m.source }),
  }),
});

const DiseaseStatusType = builder.objectRef<DiseaseStatus>('DiseaseStatus').implement({
  interfaces: [Sourced],
  fields: (t) => ({
    trend: t.exposeString('trend', { description: 'improved, stable, worsened, undetermined, remission, relapse or other' }),
    code: t.field({ type: CodeType, resolve: (d) => d.code }),
  }),
});

export const ClinicalSummaryType = builder.objectRef<ClinicalSummary & { dataVersion: number }>('ClinicalSummary').implement({
  description: 'Clinical features derived from the mCODE-coded record; each value names its source resource',
  fields: (t) => ({
    mapperVersion: t.exposeString('mapperVersion'),
    dataVersion: t.exposeInt('dataVersion', { description: '+1 every time the patient record changes' }),
    sex: t.field({ type: DerivedString, nullable: true, resolve: (s) => s.sex }),
    birthDate: t.field({ type: DerivedString, nullable: true, resolve: (s) => s.birthDate }),
    deceased: t.field({ type: DerivedBoolean, nullable: true, resolve: (s) => s.deceased }),
    deceasedDate: t.field({ type: DerivedString, nullable: true, resolve: (s) => s.deceasedDate }),
    populationGroups: t.field({ type: [DerivedCode], resolve: (s) => s.populationGroups }),
    ageAtDiagnosis: t.field({ type: DerivedInt, nullable: true, resolve: (s) => s.ageAtDiagnosis }),
    primaryCancer: t.field({ type: CancerConditionType, nullable: true, resolve: (s) => s.primaryCancer }),
    secondaryCancers: t.field({ type: [CancerConditionType], resolve: (s) => s.secondaryCancers }),
    staging: t.field({ type: StagingType, resolve: (s) => s.staging }),
    ecog: t.field({ type: DerivedInt, nullable: true, resolve: (s) => s.ecog }),
    karnofsky: t.field({ type: DerivedInt, nullable: true, resolve: (s) => s.karnofsky }),
    tumorMarkers: t.field({ type: [TumorMarkerType], resolve: (s) => s.tumorMarkers }),
    variants: t.field({ type: [GenomicVariantType], resolve: (s) => s.variants }),
    medications: t.field({ type: [CancerMedicationType], resolve: (s) => s.medications }),
    diseaseStatus: t.field({ type: [DiseaseStatusType], resolve: (s) => s.diseaseStatus }),
  }),
});
