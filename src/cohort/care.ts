import { linearPredictor, responseProbability, survivalTimeDays, type SurvivalCovariates } from './outcome-model.ts';
import { biomarkers, dayOf, type PatientBiology } from './patient.ts';
import type { SiteProfile } from './profiles.ts';
import type { Rng } from '../random/rng.ts';
import { isBiomarkerDirected, regimen, regimensFor, type RegimenId } from './therapies.ts';

export type Trend = 'improved' | 'stable' | 'worsened';

export interface TherapyLine {
  line: 1 | 2;
  regimen: RegimenId;
  decisionDay: number;
  startDay: number;
  endDay?: number;
  status: 'active' | 'completed' | 'stopped';
  stopReason?: 'completed' | 'progression' | 'death';
  /** the true probability of response (truth) and what happened */
  responseProbability: number;
  responded: boolean;
}

export interface StatusEvent {
  day: number;
  trend: Trend;
}

/** Treatment, disease course and survival of one patient. Days are absolute day numbers. */
export interface PatientCourse {
  lines: TherapyLine[];
  statuses: StatusEvent[];
  covariates: SurvivalCovariates;
  linearPredictor: number;
  /** true (possibly unobserved) survival time from diagnosis, days */
  trueSurvivalDays: number;
  /** observed time from diagnosis to death or last contact, days */
  observedDays: number;
  died: boolean;
  lastDay: number;
  /** P(response) of every regimen for this cancer, from the true biology */
  responseProbabilities: Partial<Record<RegimenId, number>>;
}

/** What the treating team knows: only what was tested and written down. */
function knownBiomarkers(p: PatientBiology) {
  const truth = biomarkers(p);
  const receptorsKnown = !!p.breast && p.recorded.receptors;
  return {
    sequenced: p.sequenced,
    egfr: p.sequenced && truth.egfr,
    krasG12C: p.sequenced && truth.krasG12C,
    kras: p.sequenced && truth.kras,
    brafV600E: p.sequenced && truth.brafV600E,
    msiH: (p.sequenced || p.msiTested) && truth.msiH,
    hormoneReceptorPositive: receptorsKnown && truth.hormoneReceptorPositive,
    her2Positive: receptorsKnown && truth.her2Positive,
  };
}

/** First-line choice from what is known (a simplified guideline, documented in the README). */
function firstLine(p: PatientBiology, k: ReturnType<typeof knownBiomarkers>): RegimenId {
  if (p.cancer === 'lung') return k.egfr ? 'osimertinib' : k.msiH ? 'pembrolizumab' : 'carboplatin-pemetrexed';
  if (p.cancer === 'colorectal') return k.msiH ? 'pembrolizumab' : 'folfox';
  if (k.her2Positive) return 'trastuzumab-paclitaxel';
  if (k.hormoneReceptorPositive) return p.stage === 4 ? 'letrozole-palbociclib' : 'letrozole';
  return 'doxorubicin-paclitaxel';
}

/** Second line after progression. Unsequenced colorectal patients get anti-EGFR therapy blind half the time. */
function secondLine(p: PatientBiology, k: ReturnType<typeof knownBiomarkers>, first: RegimenId, rng: Rng): RegimenId {
  if (p.cancer === 'lung') return k.krasG12C ? 'sotorasib' : 'docetaxel';
  if (p.cancer === 'colorectal') {
    if (first === 'pembrolizumab') return 'folfox';
    if (k.brafV600E) return 'encorafenib-cetuximab';
    if (k.sequenced) return k.kras ? 'folfiri-bevacizumab' : 'folfiri-cetuximab';
    return rng.bernoulli(0.5) ? 'folfiri-cetuximab' : 'folfiri-bevacizumab';
  }
  if (first === 'letrozole') return 'letrozole-palbociclib';
  return first === 'doxorubicin-paclitaxel' ? 'docetaxel' : 'doxorubicin-paclitaxel';
}

export function survivalCovariates(p: PatientBiology, first: RegimenId): SurvivalCovariates {
  return {
    ageDecades: (p.age - 60) / 10,
    stage: p.stage,
    ecog: p.ecog,
    lung: p.cancer === 'lung' ? 1 : 0,
    colorectal: p.cancer === 'colorectal' ? 1 : 0,
    tripleNegative: p.breast?.subtype === 'TNBC' ? 1 : 0,
    biomarkerDirectedFirstLine: isBiomarkerDirected(first) ? 1 : 0,
  };
}

/** Ends a line at completion, progression, death or not at all (still on it at last contact). */
function closeLine(line: TherapyLine, progressionDay: number | undefined, lastDay: number, died: boolean): void {
  const duration = regimen(line.regimen).fixedDurationDays;
  const stopAt = Math.min(progressionDay ?? Infinity, lastDay);
  if (duration !== undefined && line.startDay + duration <= stopAt) {
    Object.assign(line, { endDay: line.startDay + duration, status: 'completed', stopReason: 'completed' });
  } else if (progressionDay !== undefined && progressionDay <= lastDay) {
    Object.assign(line, { endDay: progressionDay, status: 'stopped', stopReason: 'progression' });
  } else if (died) {
    Object.assign(line, { endDay: lastDay, status: 'stopped', stopReason: 'death' });
  }
}

/** Simulates treatment, response, progression, death and censoring for one patient. */
export function simulateCourse(p: PatientBiology, profile: SiteProfile, rng: Rng): PatientCourse {
  const truth = biomarkers(p);
  const inputs = { cancer: p.cancer, stage: p.stage, ecog: p.ecog, ...truth };
  const responseProbabilities: Partial<Record<RegimenId, number>> = {};
  for (const r of regimensFor(p.cancer)) responseProbabilities[r.id] = responseProbability(r.id, inputs);

  const known = knownBiomarkers(p);
  const first = firstLine(p, known);
  const covariates = survivalCovariates(p, first);
  const lp = linearPredictor(covariates);
  const trueSurvivalDays = Math.max(1, survivalTimeDays(lp, 1 - rng.next()));

  const dx = dayOf(p.diagnosisDate);
  const adminCensor = dayOf(profile.followUpEnd) - dx;
  const lossCensor = profile.lossToFollowUpPerYear > 0 ? rng.exponential(profile.lossToFollowUpPerYear / 365.25) : Infinity;
  const censorDays = Math.min(adminCensor, lossCensor);
  const died = trueSurvivalDays <= censorDays;
  const observedDays = Math.max(1, Math.round(died ? trueSurvivalDays : censorDays));
  const lastDay = dx + observedDays;
  const deathDayIfAny = dx + Math.max(1, Math.round(trueSurvivalDays));

  const statuses: StatusEvent[] = [];
  const lines: TherapyLine[] = [];
  const clamp = (day: number) => Math.min(day, lastDay);

  const decision1 = clamp(dx + 10);
  const line1: TherapyLine = {
    line: 1,
    regimen: first,
    decisionDay: decision1,
    startDay: clamp(decision1 + rng.int(5, 20)),
    status: 'active',
    responseProbability: responseProbabilities[first] as number,
    responded: false,
  };
  line1.responded = rng.bernoulli(line1.responseProbability);
  lines.push(line1);

  // response assessment after about three months, then progression
  const assess1 = line1.startDay + 84;
  let progression: number | undefined;
  if (line1.responded) {
    progression = line1.startDay + Math.max(150, Math.round(rng.uniform(0.4, 0.9) * (deathDayIfAny - line1.startDay)));
    if (assess1 <= lastDay) statuses.push({ day: assess1, trend: 'improved' });
  } else {
    const worsened = rng.bernoulli(0.6);
    progression = worsened ? assess1 : assess1 + rng.int(60, 180);
    if (assess1 <= lastDay) statuses.push({ day: assess1, trend: worsened ? 'worsened' : 'stable' });
  }
  if (progression >= deathDayIfAny - 7) progression = undefined; // died before it showed
  const progressed = progression !== undefined && progression <= lastDay;
  if (progressed && !statuses.some((s) => s.day === progression)) statuses.push({ day: progression as number, trend: 'worsened' });
  closeLine(line1, progressed ? progression : undefined, lastDay, died);

  if (progressed) {
    const second = secondLine(p, known, first, rng);
    const start2 = (progression as number) + rng.int(14, 28);
    if (start2 <= lastDay) {
      const line2: TherapyLine = {
        line: 2,
        regimen: second,
        decisionDay: (progression as number) + 7,
        startDay: start2,
        status: 'active',
        responseProbability: responseProbabilities[second] as number,
        responded: false,
      };
      line2.responded = rng.bernoulli(line2.responseProbability);
      lines.push(line2);
      if (start2 + 84 <= lastDay) statuses.push({ day: start2 + 84, trend: line2.responded ? 'improved' : 'worsened' });
      closeLine(line2, undefined, lastDay, died);
    }
  }

  statuses.sort((a, b) => a.day - b.day);
  if (!died && statuses.at(-1)?.day !== lastDay) {
    statuses.push({ day: lastDay, trend: statuses.at(-1)?.trend === 'worsened' ? 'worsened' : 'stable' });
  }
  return { lines, statuses, covariates, linearPredictor: lp, trueSurvivalDays, observedDays, died, lastDay, responseProbabilities };
}
