/**
 * Fed-TCGA-BRCA per region, in the federated {train, test} shape: the rows of `src/training/tcga-brca.ts`
 * grouped the way FLamby's `FedTcgaBrca(center=i)` groups them (owkin/FLamby @ edacf54,
 * `flamby/datasets/fed_tcga_brca/dataset.py`). FLamby does not normalise these features, so neither does this.
 */
import { loadTcgaBrca, TCGA_DIR, type TcgaPatient } from '../../training/tcga-brca.ts';
import type { FeatureRows, SiteSplit } from './site-split.ts';

/**
 * FLamby's centre numbering: the `fold2` suffix of `train_test_split.csv` (`train_0` ... `test_5`), which is
 * this order of `centers.csv` regions (FLamby's fed_tcga_brca README: "Northeast, South, West, Midwest, Europe, Canada").
 */
export const TCGA_REGIONS = ['Northeast', 'South', 'West', 'Midwest', 'Europe', 'Canada'] as const;

/** One part of a region: the 39 features, the event and time of each patient, and the barcode. */
export interface TcgaRows extends FeatureRows {
  /** 1 = death observed (`E`). */
  event: Float64Array;
  /** Days to death or censoring (`T`). */
  time: Float64Array;
  pids: string[];
}

function toRows(patients: readonly TcgaPatient[], features: number): TcgaRows {
  const x = new Float64Array(patients.length * features);
  patients.forEach((p, i) => x.set(p.x, i * features));
  return {
    rows: patients.length,
    features,
    x,
    event: Float64Array.from(patients, (p) => p.event),
    time: Float64Array.from(patients, (p) => p.time),
    pids: patients.map((p) => p.pid),
  };
}

/** Loads Fed-TCGA-BRCA as 6 regions, each with FLamby's static train/test split, rows in brca.csv order. */
export function loadTcgaBrcaSites(dir: URL = TCGA_DIR): { columns: string[]; sites: SiteSplit<TcgaRows>[] } {
  const { columns, patients } = loadTcgaBrca(dir);
  const unknown = patients.find((p) => !(TCGA_REGIONS as readonly string[]).includes(p.region));
  if (unknown) throw new Error(`patient ${unknown.pid}: region '${unknown.region}' is not one of FLamby's six`);
  const sites = TCGA_REGIONS.map((name, index) => {
    const here = patients.filter((p) => p.region === name);
    return {
      index,
      name,
      train: toRows(here.filter((p) => p.fold === 'train'), columns.length),
      test: toRows(here.filter((p) => p.fold === 'test'), columns.length),
    };
  });
  return { columns, sites };
}
