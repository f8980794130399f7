import { badInput } from '../errors/domain-error.ts';
import { simulateFederation, type SimulationResult } from '../federation/simulation/index.ts';
import type { Output } from './commands.ts';

export interface SimulateCliOptions {
  dataset: string;
  strategy?: string;
  rounds?: string;
  localSteps?: string;
  batch?: string;
  lr?: string;
  serverLr?: string;
  mu?: string;
  l2?: string;
  seed?: string;
  dpEpsilon?: string;
  dpDelta?: string;
  secagg?: boolean;
  transport?: string;
  json?: boolean;
}

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) throw badInput(`--${name} must be a number, got "${text}"`, [{ expression: name, message: 'not a number' }]);
  return v;
}

function line(result: SimulationResult): string[] {
  const f = (v: number | null) => (v === null ? '   -  ' : v.toFixed(3));
  const out = [
    `${result.dataset} · ${result.strategy} · seed ${result.seed} · ${result.rounds} rounds × ${result.options.localSteps} steps · ${result.wallSeconds.toFixed(1)} s`,
    `pooled test ${result.metric}: ${f(result.pooledTestMetric)}`,
    `${'site'.padEnd(16)} federated  local-only  best local (site)        ε spent`,
  ];
  for (const s of result.sites) {
    out.push(`${s.site.padEnd(16)} ${f(s.testMetric).padStart(9)}  ${f(s.localOnlyTestMetric).padStart(10)}  ${f(s.bestLocalOnlyTestMetric)} (${s.bestLocalOnlySite})`.padEnd(62) + (s.epsilonSpent === null ? 'no DP' : s.epsilonSpent.toFixed(3)));
  }
  return out;
}

/**
 * `sangam federate simulate`: a whole federation on a public or synthetic dataset, each site
 * training on its own rows only; in one process (`--transport inproc`), or through a real
 * coordinator and signed site participants over loopback HTTP (`--transport http`). With `--json`
 * the last line is the result object.
 */
export async function simulateCommand(options: SimulateCliOptions, io: Output): Promise<void> {
  const transport = options.transport ?? 'inproc';
  if (transport !== 'inproc' && transport !== 'http') {
    throw badInput(`--transport ${transport}: a simulation runs in process (inproc) or through a coordinator and sites over loopback HTTP (http)`, [
      { expression: 'transport', message: 'must be inproc or http' },
    ]);
  }
  const result = await simulateFederation({
    dataset: options.dataset as 'tcga-brca',
    ...(options.strategy !== undefined ? { strategy: options.strategy as 'fedavg' } : {}),
    ...defined({
      rounds: number('rounds', options.rounds),
      localSteps: number('local-steps', options.localSteps),
      batch: number('batch', options.batch),
      lr: number('lr', options.lr),
      serverLr: number('server-lr', options.serverLr),
      mu: number('mu', options.mu),
      l2: number('l2', options.l2),
      seed: number('seed', options.seed),
      dpEpsilon: number('dp-epsilon', options.dpEpsilon),
      dpDelta: number('dp-delta', options.dpDelta),
    }),
    ...(options.secagg ? { secagg: true } : {}),
    transport,
  });
  if (options.json) {
    io.out(JSON.stringify(result));
    return;
  }
  for (const l of line(result)) io.out(l);
  for (const n of result.notes) io.out(`note: ${n}`);
}

function defined<T extends Record<string, number | undefined>>(o: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: number };
}
