/**
 * Builds a registry trial from a FHIR R4 ResearchStudy (http://hl7.org/fhir/R4/researchstudy.html),
 * the characteristics of its contained enrollment Group, and an optional CTML-like eligibility
 * document. ClinicalTrials.gov exports put the criteria in free text (the enrollment display);
 * that text is kept for people and never parsed, so structured eligibility comes from the Group
 * and the eligibility document.
 */
import type { CodeableConcept, Group, GroupCharacteristic, ResearchStudy } from '@medplum/fhirtypes';
import { z } from 'zod';
import type { McodeCodeTables } from '../../clinical/mcode/code-tables.ts';
import { badInput, type InputIssue } from '../../errors/domain-error.ts';
import { assignLeafIds, leaf, parseEligibilityDocument, RESEARCH_STUDY_STATUSES, type EligibilityDocument } from '../eligibility/parse-eligibility.ts';
import type { EligibilityNode, TrialDefinition } from '../eligibility/types.ts';
import { cancerTypeOfConcept, characteristicNode } from './group-characteristics.ts';

const Concept = z.looseObject({ text: z.string().optional(), coding: z.array(z.looseObject({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() })).optional() });

const ResearchStudySchema = z.looseObject({
  resourceType: z.literal('ResearchStudy'),
  id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/).optional(),
  identifier: z.array(z.looseObject({ system: z.string().optional(), value: z.string().max(200).optional() })).max(50).optional(),
  title: z.string().max(2000).optional(),
  status: z.enum(RESEARCH_STUDY_STATUSES),
  phase: Concept.optional(),
  condition: z.array(Concept).max(100).optional(),
  enrollment: z.array(z.looseObject({ reference: z.string().max(200).optional(), display: z.string().max(100_000).optional() })).max(20).optional(),
  contained: z.array(z.looseObject({ resourceType: z.string(), id: z.string().optional() })).max(200).optional(),
});

const NCT = /^NCT\d{8}$/;

/** The NCT number (ClinicalTrials.gov identifier) when there is one, else the resource id. */
function trialIdOf(study: z.infer<typeof ResearchStudySchema>): string | undefined {
  const ids = study.identifier ?? [];
  const nct = ids.find((i) => /clinicaltrials\.gov/i.test(i.system ?? '') && NCT.test(i.value ?? '')) ?? ids.find((i) => NCT.test(i.value ?? ''));
  return nct?.value ?? study.id;
}

function conceptText(cc: CodeableConcept): string {
  return cc.text ?? cc.coding?.[0]?.display ?? cc.coding?.[0]?.code ?? 'condition';
}

/** The conditions studied as an OR of cancer types, or an unmapped criterion when none is a known cancer. */
function conditionNode(conditions: readonly CodeableConcept[], tables: McodeCodeTables, warnings: InputIssue[]): EligibilityNode | undefined {
  if (conditions.length === 0) return undefined;
  const types = new Set<string>();
  conditions.forEach((cc, i) => {
    const type = cancerTypeOfConcept(cc, tables);
    if (type) types.add(type);
    else warnings.push({ expression: `ResearchStudy.condition[${i}]`, message: `"${conceptText(cc).slice(0, 80)}" is not a cancer type Sangam knows` });
  });
  if (types.size === 0) return leaf({ kind: 'unmapped', description: `Condition studied: ${conditions.map(conceptText).join('; ').slice(0, 300)}` });
  const leaves = [...types].map((value) => leaf({ kind: 'cancerType', value, meta: false, negated: false }));
  return leaves.length === 1 ? leaves[0] : { op: 'or', children: leaves };
}

/** The characteristics of the enrollment Groups the study contains; references it cannot read are warnings. */
function enrollmentNodes(study: ResearchStudy, tables: McodeCodeTables, warnings: InputIssue[]): EligibilityNode[] {
  const nodes: EligibilityNode[] = [];
  (study.enrollment ?? []).forEach((ref, i) => {
    const where = `ResearchStudy.enrollment[${i}]`;
    const r = ref.reference ?? '';
    const containedIndex = r.startsWith('#') ? (study.contained ?? []).findIndex((c) => c.resourceType === 'Group' && c.id === r.slice(1)) : -1;
    if (containedIndex < 0) {
      warnings.push({
        expression: `${where}.reference`,
        message: `${r || 'no reference'}: the Group is not contained in the study, so its characteristics cannot be read${ref.display ? '; its display text is kept' : ''}`,
      });
      return;
    }
    const group = study.contained?.[containedIndex] as Group;
    const characteristics: GroupCharacteristic[] = Array.isArray(group.characteristic) ? group.characteristic.slice(0, 200) : [];
    characteristics.forEach((ch, j) => {
      const { node, mapped } = characteristicNode(ch, tables);
      if (!mapped) warnings.push({ expression: `ResearchStudy.contained[${containedIndex}].characteristic[${j}]`, message: 'not a characteristic Sangam reads; kept as a criterion to review by hand' });
      nodes.push(node);
    });
  });
  return nodes;
}

export interface TrialInput {
  /** a FHIR ResearchStudy (JSON) */
  researchStudy?: unknown;
  /** a CTML-like eligibility document (JSON) */
  eligibility?: unknown;
}

/**
 * Builds a trial definition from a ResearchStudy, an eligibility document, or both (their trial
 * ids must agree). The tree is the AND of the enrollment Group's characteristics and the
 * document's match tree; the studied conditions become a cancer-type criterion only when there is
 * no eligibility document (a curated document states the cancer type itself).
 */
export function buildTrial(input: TrialInput, tables: McodeCodeTables): TrialDefinition {
  if (input.researchStudy === undefined && input.eligibility === undefined) {
    throw badInput('A trial needs a ResearchStudy, an eligibility document, or both');
  }
  const doc: EligibilityDocument | undefined = input.eligibility === undefined ? undefined : parseEligibilityDocument(input.eligibility);
  const warnings: InputIssue[] = [];
  const parts: EligibilityNode[] = [];
  let study: ResearchStudy | undefined;
  let id = doc?.trialId;
  let title = doc?.title;
  let status = doc?.status;
  let phase = doc?.phase;
  let conditions = doc?.conditions ?? [];
  let criteriaText: string | undefined;

  if (input.researchStudy !== undefined) {
    const parsed = ResearchStudySchema.safeParse(input.researchStudy);
    if (!parsed.success) {
      throw badInput('ResearchStudy rejected', parsed.error.issues.map((i) => ({ expression: ['ResearchStudy', ...i.path].join('.').replace(/\.(\d+)/g, '[$1]'), message: i.message })));
    }
    study = input.researchStudy as ResearchStudy;
    const studyId = trialIdOf(parsed.data);
    if (!studyId) throw badInput('ResearchStudy rejected', [{ expression: 'ResearchStudy.identifier', message: 'no NCT identifier and no id' }]);
    if (doc && doc.trialId !== studyId) {
      throw badInput('The eligibility document is for another trial', [{ expression: 'eligibility.trialId', message: `${doc.trialId} is not the study's ${studyId}` }]);
    }
    id = studyId;
    title ??= parsed.data.title ?? studyId;
    status ??= parsed.data.status;
    phase ??= study.phase?.text ?? study.phase?.coding?.[0]?.display ?? study.phase?.coding?.[0]?.code;
    const studyConditions = study.condition ?? [];
    if (conditions.length === 0) conditions = studyConditions.map(conceptText);
    if (!doc) {
      const node = conditionNode(studyConditions, tables, warnings);
      if (node) parts.push(node);
    }
    parts.push(...enrollmentNodes(study, tables, warnings));
    const text = (study.enrollment ?? []).map((e) => e.display).filter((d): d is string => !!d).join('\n\n');
    if (text) criteriaText = text;
  }
  if (doc) parts.push(doc.match);
  if (parts.length === 0) {
    warnings.push({ expression: 'ResearchStudy', message: 'no structured eligibility: every patient is possibly eligible until criteria are added' });
    parts.push(leaf({ kind: 'unmapped', description: 'Eligibility not structured' }));
  }
  const tree = parts.length === 1 ? (parts[0] as EligibilityNode) : { op: 'and' as const, children: parts };
  return {
    id: id as string,
    title: title ?? (id as string),
    status: status ?? 'active',
    conditions,
    eligibility: assignLeafIds(tree),
    warnings,
    ...(phase ? { phase } : {}),
    ...(criteriaText ? { criteriaText } : {}),
    ...(study ? { researchStudy: study } : {}),
  };
}
