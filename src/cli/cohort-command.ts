import { existsSync, readdirSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { generateCohort, SYNTHETIC_NOTICE } from '../cohort/generate.ts';
import { builtInProfiles, loadProfileFile, ProfileError, type SiteProfile } from '../cohort/profiles.ts';
import type { Output } from './commands.ts';

/** A commander argument parser for an integer in [min, max]. */
export function intIn(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected ${min} to ${max}, got ${n}`);
    return n;
  };
}

export interface CohortGenerateOptions {
  sites: number;
  patientsPerSite: number;
  tilesPerSlide: number;
  seed: number;
  out: string;
  profiles?: string;
}

/** Built-in profile ids or profile JSON files, comma-separated. */
function chooseProfiles(list: string | undefined): SiteProfile[] {
  const builtIn = builtInProfiles();
  if (!list) return builtIn;
  return list.split(',').map((item) => {
    const name = item.trim();
    const found = builtIn.find((p) => p.id === name);
    if (found) return found;
    if (name.endsWith('.json')) return loadProfileFile(name);
    throw new ProfileError(`unknown site profile "${name}" (built in: ${builtIn.map((p) => p.id).join(', ')}; or a .json file)`);
  });
}

/** `sangam cohort generate`: writes a synthetic multi-site cohort. Returns the exit code. */
export async function cohortGenerateCommand(options: CohortGenerateOptions, io: Output): Promise<number> {
  if (existsSync(options.out) && readdirSync(options.out).length > 0) {
    io.err(`error: ${options.out} is not empty; choose a new directory so cohorts never mix`);
    return 1;
  }
  const profiles = chooseProfiles(options.profiles);
  const started = performance.now();
  const manifest = await generateCohort({
    ...options,
    profiles,
    onProgress: ({ site, done, total }) => {
      if (done === total || done % 100 === 0) io.err(`  ${site}: ${done}/${total} patients`);
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  io.out(`Generated ${manifest.sites.length} sites in ${seconds} s into ${options.out} (seed ${options.seed})`);
  for (const s of manifest.sites) {
    io.out(`  ${s.id}: ${s.patients} patients, ${s.sequenced} sequenced (${s.annotation}), ${s.tiles} tiles`);
  }
  io.out(`  truth.json holds the hidden truth; give a site only its own folder.`);
  io.out(SYNTHETIC_NOTICE);
  return 0;
}
