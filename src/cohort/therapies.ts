import type { CancerType } from './profiles.ts';

/** A drug with its RxNorm ingredient id (the ids the mCODE mapper's table knows). */
export interface Drug {
  rxnorm: string;
  name: string;
}

export type RegimenKind = 'chemotherapy' | 'targeted' | 'immunotherapy' | 'endocrine' | 'anti-EGFR';

export interface Regimen {
  id: RegimenId;
  name: string;
  kind: RegimenKind;
  drugs: Drug[];
  cancers: CancerType[];
  /** chemotherapy regimens stop after this many days; the others continue until progression */
  fixedDurationDays?: number;
}

export type RegimenId =
  | 'carboplatin-pemetrexed'
  | 'docetaxel'
  | 'osimertinib'
  | 'sotorasib'
  | 'pembrolizumab'
  | 'folfox'
  | 'folfiri-cetuximab'
  | 'folfiri-bevacizumab'
  | 'encorafenib-cetuximab'
  | 'doxorubicin-paclitaxel'
  | 'trastuzumab-paclitaxel'
  | 'letrozole'
  | 'letrozole-palbociclib';

const d = (rxnorm: string, name: string): Drug => ({ rxnorm, name });
const DRUG = {
  carboplatin: d('40048', 'carboplatin'),
  pemetrexed: d('68446', 'pemetrexed'),
  docetaxel: d('72962', 'docetaxel'),
  osimertinib: d('1721560', 'osimertinib'),
  sotorasib: d('2550714', 'sotorasib'),
  pembrolizumab: d('1547545', 'pembrolizumab'),
  fluorouracil: d('4492', 'fluorouracil'),
  oxaliplatin: d('32592', 'oxaliplatin'),
  irinotecan: d('51499', 'irinotecan'),
  cetuximab: d('318341', 'cetuximab'),
  bevacizumab: d('253337', 'bevacizumab'),
  encorafenib: d('2049106', 'encorafenib'),
  doxorubicin: d('3639', 'doxorubicin'),
  paclitaxel: d('56946', 'paclitaxel'),
  trastuzumab: d('224905', 'trastuzumab'),
  letrozole: d('72965', 'letrozole'),
  palbociclib: d('1601377', 'palbociclib'),
};

const list: Regimen[] = [
  { id: 'carboplatin-pemetrexed', name: 'carboplatin + pemetrexed', kind: 'chemotherapy', drugs: [DRUG.carboplatin, DRUG.pemetrexed], cancers: ['lung'], fixedDurationDays: 84 },
  { id: 'docetaxel', name: 'docetaxel', kind: 'chemotherapy', drugs: [DRUG.docetaxel], cancers: ['lung', 'breast'], fixedDurationDays: 126 },
  { id: 'osimertinib', name: 'osimertinib', kind: 'targeted', drugs: [DRUG.osimertinib], cancers: ['lung'] },
  { id: 'sotorasib', name: 'sotorasib', kind: 'targeted', drugs: [DRUG.sotorasib], cancers: ['lung'] },
  { id: 'pembrolizumab', name: 'pembrolizumab', kind: 'immunotherapy', drugs: [DRUG.pembrolizumab], cancers: ['lung', 'colorectal'] },
  { id: 'folfox', name: 'FOLFOX (fluorouracil + oxaliplatin)', kind: 'chemotherapy', drugs: [DRUG.fluorouracil, DRUG.oxaliplatin], cancers: ['colorectal'], fixedDurationDays: 168 },
  { id: 'folfiri-cetuximab', name: 'FOLFIRI + cetuximab', kind: 'anti-EGFR', drugs: [DRUG.fluorouracil, DRUG.irinotecan, DRUG.cetuximab], cancers: ['colorectal'], fixedDurationDays: 168 },
  { id: 'folfiri-bevacizumab', name: 'FOLFIRI + bevacizumab', kind: 'chemotherapy', drugs: [DRUG.fluorouracil, DRUG.irinotecan, DRUG.bevacizumab], cancers: ['colorectal'], fixedDurationDays: 168 },
  { id: 'encorafenib-cetuximab', name: 'encorafenib + cetuximab', kind: 'targeted', drugs: [DRUG.encorafenib, DRUG.cetuximab], cancers: ['colorectal'] },
  { id: 'doxorubicin-paclitaxel', name: 'doxorubicin then paclitaxel', kind: 'chemotherapy', drugs: [DRUG.doxorubicin, DRUG.paclitaxel], cancers: ['breast'], fixedDurationDays: 140 },
  { id: 'trastuzumab-paclitaxel', name: 'trastuzumab + paclitaxel', kind: 'targeted', drugs: [DRUG.trastuzumab, DRUG.paclitaxel], cancers: ['breast'] },
  { id: 'letrozole', name: 'letrozole', kind: 'endocrine', drugs: [DRUG.letrozole], cancers: ['breast'] },
  { id: 'letrozole-palbociclib', name: 'letrozole + palbociclib', kind: 'endocrine', drugs: [DRUG.letrozole, DRUG.palbociclib], cancers: ['breast'] },
];

export const REGIMENS: ReadonlyMap<RegimenId, Regimen> = new Map(list.map((r) => [r.id, r]));

export function regimen(id: RegimenId): Regimen {
  const r = REGIMENS.get(id);
  if (!r) throw new Error(`unknown regimen ${id}`);
  return r;
}

/** Regimens a patient with this cancer could receive (the ones truth.json gives probabilities for). */
export function regimensFor(cancer: CancerType): Regimen[] {
  return list.filter((r) => r.cancers.includes(cancer));
}

/** Regimens chosen because of a biomarker (targeted, immunotherapy for MSI-H, endocrine, anti-HER2). */
export function isBiomarkerDirected(id: RegimenId): boolean {
  return regimen(id).kind !== 'chemotherapy' && id !== 'folfiri-cetuximab';
}
