import { statSync } from 'node:fs';
import type { GenomeBuild } from '../genomics/genome-build.ts';
import { TmbMethod } from '../genomics/consequences.ts';
import { badInput } from '../errors/domain-error.ts';
import type { Output } from './commands.ts';
import { progressBar } from './progress-bar.ts';
import { useTarget, type TargetOptions } from './site-target.ts';

export interface VcfCommandOptions extends TargetOptions {
  patient: string;
  specimen?: string;
  build?: string;
  tumorSample?: string;
  minDepth?: number;
  minVaf?: number;
  tmbMethod?: string;
  tmbTargetMb?: number;
}

function checkOptions(o: VcfCommandOptions): { build?: GenomeBuild; tmbMethod?: TmbMethod } {
  if (o.build !== undefined && o.build !== 'GRCh37' && o.build !== 'GRCh38') throw badInput(`--build must be GRCh37 or GRCh38, got ${o.build}`);
  const methods = Object.values(TmbMethod) as string[];
  if (o.tmbMethod !== undefined && !methods.includes(o.tmbMethod)) throw badInput(`--tmb-method must be one of ${methods.join(', ')}`);
  return { ...(o.build ? { build: o.build as GenomeBuild } : {}), ...(o.tmbMethod ? { tmbMethod: o.tmbMethod as TmbMethod } : {}) };
}

/** `sangam import vcf --patient ID FILE`: imports one VCF, all or nothing, with a progress bar. Errors reach the CLI's one handler, which prints them and exits 1. */
export async function importVcfCommand(file: string, options: VcfCommandOptions, io: Output): Promise<void> {
  const checked = checkOptions(options);
  const size = statSync(file, { throwIfNoEntry: false })?.size;
  if (size === undefined) throw badInput(`no such file: ${file}`);
  await useTarget(options, io.out, async (target) => {
    const bar = progressBar(file, size);
    const r = await target.importVariants(
      file,
      {
        patientId: options.patient,
        ...(options.specimen ? { specimenId: options.specimen } : {}),
        ...(options.tumorSample ? { tumourSample: options.tumorSample } : {}),
        ...(options.minDepth !== undefined ? { minDepth: options.minDepth } : {}),
        ...(options.minVaf !== undefined ? { minVaf: options.minVaf } : {}),
        ...(options.tmbTargetMb !== undefined ? { tmbTargetMb: options.tmbTargetMb } : {}),
        ...checked,
      },
      (bytes) => bar.update(bytes),
    );
    bar.finish();
    const filtered = Object.values(r.stats.filtered).reduce((a, b) => a + b, 0);
    io.out(`${file}: ${r.kept} calls kept of ${r.stats.alleles} alleles in ${r.stats.records} records (${filtered} filtered out, ${r.stats.belowDepth + r.stats.belowVaf} below depth/VAF minimums)`);
    io.out(`  patient ${options.patient}, specimen ${r.specimenId}, ${r.build}, annotation ${r.annotation}, tumour column ${r.tumorSample ?? 'none'}`);
    io.out(r.tmb ? `  TMB ${r.tmb.value.toFixed(2)} mutations/Mb (${r.tmb.method}: ${r.tmb.count} variants / ${r.tmb.targetMb} Mb)` : `  TMB not computed: ${r.tmbUnavailable}`);
    io.out(`  ${r.reportedObservations} observations written to the FHIR record; imported into the ${target.description}`);
  });
}
