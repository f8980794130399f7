import type { CancerType } from './profiles.ts';

/**
 * TNM combinations per stage group, a simplified reading of AJCC 8th edition: each row is a
 * stage-group label with a T, N and M category that lead to it, so a generated record is
 * internally consistent. Weights pick among rows of the same numeric stage.
 */
export interface StageRow {
  group: string;
  t: string;
  n: string;
  m: string;
  weight: number;
}

const rows: Record<CancerType, Record<1 | 2 | 3 | 4, StageRow[]>> = {
  lung: {
    1: [
      { group: 'IA', t: 'T1', n: 'N0', m: 'M0', weight: 0.6 },
      { group: 'IB', t: 'T2', n: 'N0', m: 'M0', weight: 0.4 },
    ],
    2: [
      { group: 'IIA', t: 'T2', n: 'N0', m: 'M0', weight: 0.3 },
      { group: 'IIB', t: 'T1', n: 'N1', m: 'M0', weight: 0.35 },
      { group: 'IIB', t: 'T3', n: 'N0', m: 'M0', weight: 0.35 },
    ],
    3: [
      { group: 'IIIA', t: 'T2', n: 'N2', m: 'M0', weight: 0.4 },
      { group: 'IIIA', t: 'T3', n: 'N1', m: 'M0', weight: 0.2 },
      { group: 'IIIB', t: 'T3', n: 'N2', m: 'M0', weight: 0.25 },
      { group: 'IIIC', t: 'T4', n: 'N3', m: 'M0', weight: 0.15 },
    ],
    4: [
      { group: 'IVA', t: 'T2', n: 'N2', m: 'M1', weight: 0.6 },
      { group: 'IVB', t: 'T4', n: 'N3', m: 'M1', weight: 0.4 },
    ],
  },
  colorectal: {
    1: [
      { group: 'I', t: 'T1', n: 'N0', m: 'M0', weight: 0.4 },
      { group: 'I', t: 'T2', n: 'N0', m: 'M0', weight: 0.6 },
    ],
    2: [
      { group: 'IIA', t: 'T3', n: 'N0', m: 'M0', weight: 0.75 },
      { group: 'IIB', t: 'T4', n: 'N0', m: 'M0', weight: 0.25 },
    ],
    3: [
      { group: 'IIIA', t: 'T2', n: 'N1', m: 'M0', weight: 0.2 },
      { group: 'IIIB', t: 'T3', n: 'N1', m: 'M0', weight: 0.55 },
      { group: 'IIIC', t: 'T4', n: 'N2', m: 'M0', weight: 0.25 },
    ],
    4: [
      { group: 'IVA', t: 'T3', n: 'N1', m: 'M1', weight: 0.6 },
      { group: 'IVB', t: 'T4', n: 'N2', m: 'M1', weight: 0.4 },
    ],
  },
  breast: {
    1: [{ group: 'IA', t: 'T1', n: 'N0', m: 'M0', weight: 1 }],
    2: [
      { group: 'IIA', t: 'T2', n: 'N0', m: 'M0', weight: 0.5 },
      { group: 'IIA', t: 'T1', n: 'N1', m: 'M0', weight: 0.2 },
      { group: 'IIB', t: 'T2', n: 'N1', m: 'M0', weight: 0.3 },
    ],
    3: [
      { group: 'IIIA', t: 'T3', n: 'N1', m: 'M0', weight: 0.4 },
      { group: 'IIIB', t: 'T4', n: 'N1', m: 'M0', weight: 0.35 },
      { group: 'IIIC', t: 'T2', n: 'N3', m: 'M0', weight: 0.25 },
    ],
    4: [{ group: 'IV', t: 'T3', n: 'N2', m: 'M1', weight: 1 }],
  },
};

export function stageRows(cancer: CancerType, stage: 1 | 2 | 3 | 4): readonly StageRow[] {
  return rows[cancer][stage];
}
