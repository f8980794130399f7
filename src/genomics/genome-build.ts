/**
 * Genome builds and contig names. Sangam stores contigs without the `chr` prefix (`7`, `X`, `MT`),
 * the form both GRCh37 and GRCh38 share once UCSC's prefix is dropped.
 */
export type GenomeBuild = 'GRCh37' | 'GRCh38';

/** Primary-assembly chromosome lengths (Genome Reference Consortium: GRCh37.p13 and GRCh38.p14). */
export const CONTIG_LENGTHS: Readonly<Record<GenomeBuild, Readonly<Record<string, number>>>> = {
  GRCh37: {
    '1': 249250621, '2': 243199373, '3': 198022430, '4': 191154276, '5': 180915260, '6': 171115067, '7': 159138663,
    '8': 146364022, '9': 141213431, '10': 135534747, '11': 135006516, '12': 133851895, '13': 115169878, '14': 107349540,
    '15': 102531392, '16': 90354753, '17': 81195210, '18': 78077248, '19': 59128983, '20': 63025520, '21': 48129895,
    '22': 51304566, X: 155270560, Y: 59373566,
  },
  GRCh38: {
    '1': 248956422, '2': 242193529, '3': 198295559, '4': 190214555, '5': 181538259, '6': 170805979, '7': 159345973,
    '8': 145138636, '9': 138394717, '10': 133797422, '11': 135086622, '12': 133275309, '13': 114364328, '14': 107043718,
    '15': 101991189, '16': 90338345, '17': 83257441, '18': 80373285, '19': 58617616, '20': 64444167, '21': 46709983,
    '22': 50818468, X: 156040895, Y: 57227415,
  },
};

/** `chr7` → `7`, `chrM`/`M` → `MT`; other names pass through unchanged. */
export function normaliseContig(name: string): string {
  const bare = /^chr/i.test(name) ? name.slice(3) : name;
  if (bare === 'M' || bare === 'm') return 'MT';
  if (bare === 'x') return 'X';
  if (bare === 'y') return 'Y';
  return bare;
}

/** A header line and what it says about the build, for the error message when the evidence disagrees. */
export interface BuildEvidence {
  build: GenomeBuild;
  from: string;
}

const NAMES: Array<[RegExp, GenomeBuild]> = [
  [/GRCh38|hg38|GCA_000001405\.15|GCF_000001405\.(2[6-9]|[34]\d)/i, 'GRCh38'],
  [/GRCh37|hg19|\bb37\b|hs37d5|human_g1k_v37|GCA_000001405\.1\b/i, 'GRCh37'],
];

function nameBuild(text: string): GenomeBuild | undefined {
  for (const [re, build] of NAMES) if (re.test(text)) return build;
  return undefined;
}

/**
 * Reads the genome build from header lines: `##reference`/`##assembly`, contig `assembly=` tags,
 * VEP's `assembly=` note, a liftover chain named `...To<build>`, and contig lengths, which are
 * exact for each build. Returns every piece of evidence so the caller can refuse a contradiction.
 */
export function buildEvidence(metaLines: readonly string[]): BuildEvidence[] {
  const out: BuildEvidence[] = [];
  for (const line of metaLines) {
    const key = /^##([^=]+)=/.exec(line)?.[1];
    if (!key) continue;
    const value = line.slice(key.length + 3);
    if (key === 'reference' || key === 'assembly') {
      const build = nameBuild(value);
      if (build) out.push({ build, from: `##${key}` });
    } else if (key === 'contig') {
      const id = /[<,]ID=([^,>]+)/.exec(value)?.[1];
      const length = Number(/[<,]length=(\d+)/.exec(value)?.[1]);
      const assembly = /[<,]assembly=([^,>]+)/.exec(value)?.[1];
      const fromAssembly = assembly ? nameBuild(assembly) : undefined;
      if (fromAssembly) out.push({ build: fromAssembly, from: `##contig ${id} assembly` });
      if (id && length) {
        const contig = normaliseContig(id);
        for (const build of ['GRCh37', 'GRCh38'] as const) {
          if (CONTIG_LENGTHS[build][contig] === length) out.push({ build, from: `##contig ${id} length ${length}` });
        }
      }
    } else if (key === 'VEP') {
      const assembly = /assembly="([^"]+)"/.exec(value)?.[1];
      const build = assembly ? nameBuild(assembly) : undefined;
      if (build) out.push({ build, from: '##VEP assembly' });
    } else if (key === 'liftOverChainFile' || key === 'liftoverChainFile') {
      const target = /To(hg\d+|GRCh\d+)/i.exec(value)?.[1];
      const build = target ? nameBuild(target) : undefined;
      if (build) out.push({ build, from: `##${key}` });
    }
  }
  return out;
}
