import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { loadCodeTables } from '../../src/clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../../src/clinical/mcode/map-clinical-summary.ts';
import type { ClinicalSummary } from '../../src/clinical/mcode/types.ts';
import { generateCohortInMemory, type GeneratedSite } from '../../src/cohort/generate.ts';
import { SURVIVAL_MODEL } from '../../src/cohort/outcome-model.ts';
import { coxFit, type SurvivalRow } from '../helpers/stats.ts';

/**
 * A large cohort, read back the way a site would see it: every patient's Bundle mapped by the
 * foundation's mCODE mapper. Prevalences and survival coefficients are then estimated from the
 * mapped records and compared with the configuration within sampling error.
 */

const PATIENTS_PER_SITE = 2000;
let sites: Array<{ site: GeneratedSite; summaries: ClinicalSummary[] }>;

before(() => {
  const tables = loadCodeTables();
  sites = generateCohortInMemory({ sites: 4, patientsPerSite: PATIENTS_PER_SITE, seed: 20261123 }).map((site) => ({
    site,
    summaries: site.patients.map(({ biology, bundle }) =>
      mapClinicalSummary(biology.id, (bundle.entry ?? []).map((e) => e.resource as Resource), tables),
    ),
  }));
});

/** |observed − expected| in binomial standard errors. */
function zScore(hits: number, n: number, p: number): number {
  return Math.abs(hits / n - p) / Math.sqrt((p * (1 - p)) / n);
}

function assertProportion(label: string, hits: number, n: number, p: number): void {
  assert.ok(n >= 30, `${label}: only ${n} patients`);
  const z = zScore(hits, n, p);
  assert.ok(z < 4, `${label}: ${hits}/${n} = ${(hits / n).toFixed(3)} vs configured ${p} (z = ${z.toFixed(2)})`);
}

const hasGene = (s: ClinicalSummary, gene: string) => s.variants.some((v) => v.gene === gene);
const marker = (s: ClinicalSummary, name: string) => s.tumorMarkers.find((m) => m.marker === name);
const sequenced = (s: ClinicalSummary) => marker(s, 'TMB') !== undefined;

test('each site has its configured size', () => {
  for (const { site } of sites) assert.equal(site.patients.length, Math.round(PATIENTS_PER_SITE * site.profile.sizeFactor));
});

test('cancer mix and sequencing rate match each site profile', () => {
  for (const { site, summaries } of sites) {
    const weights = site.profile.cancerMix.weights;
    const total = weights.lung + weights.colorectal + weights.breast;
    for (const type of ['lung', 'colorectal', 'breast'] as const) {
      const hits = summaries.filter((s) => s.primaryCancer?.cancerType === type).length;
      assertProportion(`${site.profile.id} ${type}`, hits, summaries.length, weights[type] / total);
    }
    assertProportion(`${site.profile.id} sequenced`, summaries.filter(sequenced).length, summaries.length, site.profile.sequencedFraction.value);
  }
});

test('mutation prevalences read from GenomicVariant observations match the profiles', () => {
  for (const { site, summaries } of sites) {
    const prev = site.profile.prevalence;
    const lung = summaries.filter((s) => s.primaryCancer?.cancerType === 'lung' && sequenced(s));
    const crc = summaries.filter((s) => s.primaryCancer?.cancerType === 'colorectal' && sequenced(s));
    assertProportion(`${site.profile.id} lung EGFR`, lung.filter((s) => hasGene(s, 'EGFR')).length, lung.length, prev.lung.EGFR.value);
    assertProportion(`${site.profile.id} lung KRAS`, lung.filter((s) => hasGene(s, 'KRAS')).length, lung.length, prev.lung.KRAS.value);
    assertProportion(`${site.profile.id} colorectal KRAS`, crc.filter((s) => hasGene(s, 'KRAS')).length, crc.length, prev.colorectal.KRAS.value);
    assertProportion(
      `${site.profile.id} colorectal BRAF V600E`,
      crc.filter((s) => s.variants.some((v) => v.gene === 'BRAF' && v.hgvsProtein === 'p.Val600Glu')).length,
      crc.length,
      prev.colorectal.BRAF_V600E.value,
    );
    const msiTested = summaries.filter((s) => s.primaryCancer?.cancerType === 'colorectal' && marker(s, 'MSI'));
    assertProportion(`${site.profile.id} colorectal MSI-H`, msiTested.filter((s) => marker(s, 'MSI')?.status === 'high').length, msiTested.length, prev.colorectal.MSI_H.value);
  }
});

test('breast subtypes read from ER, PR and HER2 observations match the profiles', () => {
  for (const { site, summaries } of sites) {
    const prev = site.profile.prevalence.breast;
    const typed = summaries.filter((s) => s.primaryCancer?.cancerType === 'breast' && marker(s, 'HER2'));
    const neg = (s: ClinicalSummary, m: string) => marker(s, m)?.status === 'negative';
    const tnbc = typed.filter((s) => neg(s, 'ER') && neg(s, 'PR') && neg(s, 'HER2')).length;
    const her2 = typed.filter((s) => marker(s, 'HER2')?.status === 'positive').length;
    assertProportion(`${site.profile.id} TNBC`, tnbc, typed.length, prev.TNBC.value);
    assertProportion(`${site.profile.id} HER2+`, her2, typed.length, prev.HR_POS_HER2_POS.value + prev.HR_NEG_HER2_POS.value);
  }
});

test('Indian centres show more EGFR-mutant lung cancer and TNBC than the US and European ones', () => {
  const rate = (id: string, pick: (s: ClinicalSummary) => boolean, within: (s: ClinicalSummary) => boolean) => {
    const summaries = sites.find((s) => s.site.profile.id === id)!.summaries.filter(within);
    return summaries.filter(pick).length / summaries.length;
  };
  const lungSeq = (s: ClinicalSummary) => s.primaryCancer?.cancerType === 'lung' && sequenced(s);
  const egfr = (s: ClinicalSummary) => hasGene(s, 'EGFR');
  assert.ok(rate('in-west', egfr, lungSeq) > rate('eu-west', egfr, lungSeq));
  assert.ok(rate('in-west', egfr, lungSeq) > rate('us-northeast', egfr, lungSeq));
  const kras = (s: ClinicalSummary) => hasGene(s, 'KRAS');
  assert.ok(rate('us-northeast', kras, lungSeq) > rate('in-west', kras, lungSeq));
  const breastTyped = (s: ClinicalSummary) => s.primaryCancer?.cancerType === 'breast' && marker(s, 'HER2') !== undefined;
  const tnbc = (s: ClinicalSummary) => ['ER', 'PR', 'HER2'].every((m) => marker(s, m)?.status === 'negative');
  assert.ok(rate('in-west', tnbc, breastTyped) > rate('us-northeast', tnbc, breastTyped) + 0.1);
});

const DIRECTED_DRUGS = new Set(['osimertinib', 'sotorasib', 'pembrolizumab', 'encorafenib', 'trastuzumab', 'letrozole', 'palbociclib']);
const STAGE_NUMBER: Record<string, number> = { I: 1, II: 2, III: 3, IV: 4 };

/** The Cox covariates as a site could compute them from the mapped record; undefined when something is missing. */
function survivalRow(s: ClinicalSummary): SurvivalRow | undefined {
  const dx = s.primaryCancer?.diagnosisDate;
  const type = s.primaryCancer?.cancerType;
  const stage = STAGE_NUMBER[/^(IV|III|II|I)/.exec(s.staging.group?.label ?? '')?.[1] ?? ''];
  if (!dx || !type || stage === undefined || s.ecog === undefined || s.ageAtDiagnosis === undefined) return undefined;
  let tripleNegative = 0;
  if (type === 'breast') {
    const status = (m: string) => s.tumorMarkers.find((t) => t.marker === m)?.status;
    if (!status('ER') || !status('PR') || !status('HER2')) return undefined;
    tripleNegative = ['ER', 'PR', 'HER2'].every((m) => status(m) === 'negative') ? 1 : 0;
  }
  const firstLine = s.medications.filter((m) => m.line === 1);
  const directed = firstLine.some((m) => m.codes.some((c) => DIRECTED_DRUGS.has(c.display ?? ''))) ? 1 : 0;
  const end = s.deceasedDate?.value ?? s.diseaseStatus.at(-1)?.date;
  if (!end) return undefined;
  const time = (Date.parse(end) - Date.parse(dx)) / 86_400_000;
  return {
    time,
    event: s.deceasedDate !== undefined,
    x: [(s.ageAtDiagnosis.value + 0.5 - 60) / 10, stage, s.ecog.value, type === 'lung' ? 1 : 0, type === 'colorectal' ? 1 : 0, tripleNegative, directed],
  };
}

test('a plain Cox fit on the mapped clinical features recovers the planted coefficients', (t) => {
  const rows = sites.flatMap((s) => s.summaries.map(survivalRow)).filter((r): r is SurvivalRow => r !== undefined);
  const events = rows.filter((r) => r.event).length;
  assert.ok(rows.length > 5000 && events > 1500, `${rows.length} complete cases, ${events} deaths`);
  const { beta, se } = coxFit(rows);
  const planted = SURVIVAL_MODEL.coefficients;
  const names = ['ageDecades', 'stage', 'ecog', 'lung', 'colorectal', 'tripleNegative', 'biomarkerDirectedFirstLine'] as const;
  t.diagnostic(`${rows.length} complete cases, ${events} deaths`);
  names.forEach((name, k) => {
    t.diagnostic(`${name}: fitted ${beta[k]!.toFixed(3)} ± ${se[k]!.toFixed(3)}, planted ${planted[name]}`);
    const diff = Math.abs(beta[k]! - planted[name]);
    // tolerance: four standard errors of the estimate, and never more than 0.15 on the log-hazard scale
    assert.ok(diff < 4 * se[k]! && diff < 0.15, `${name}: fitted ${beta[k]!.toFixed(3)} ± ${se[k]!.toFixed(3)}, planted ${planted[name]}`);
  });
});
