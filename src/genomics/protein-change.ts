/**
 * HGVS protein changes in the short one-letter form knowledge bases key on (`p.Leu858Arg` →
 * `p.L858R`), following the HGVS amino-acid table (https://hgvs-nomenclature.org/stable/background/standards/#amino-acid-descriptions).
 */
const ONE_LETTER: Readonly<Record<string, string>> = {
  Ala: 'A', Arg: 'R', Asn: 'N', Asp: 'D', Cys: 'C', Gln: 'Q', Glu: 'E', Gly: 'G', His: 'H', Ile: 'I',
  Leu: 'L', Lys: 'K', Met: 'M', Phe: 'F', Pro: 'P', Ser: 'S', Thr: 'T', Trp: 'W', Tyr: 'Y', Val: 'V',
  Sec: 'U', Pyl: 'O', Ter: '*', Xaa: 'X', Asx: 'B', Glx: 'Z',
};
const THREE_LETTER = new RegExp(Object.keys(ONE_LETTER).join('|'), 'g');

/**
 * The protein part of an HGVSp string without its accession (`ENSP00000275493.2:p.Leu858Arg` →
 * `p.Leu858Arg`); VCF-escaped `%3D` becomes `=`.
 */
export function proteinPart(hgvsp: string): string {
  const at = hgvsp.lastIndexOf(':p.');
  return (at >= 0 ? hgvsp.slice(at + 1) : hgvsp).replace(/%3D/gi, '=');
}

/**
 * `p.Leu858Arg` → `p.L858R`, `p.Glu746_Ala750del` → `p.E746_A750del`, `p.Arg175Ter` → `p.R175*`,
 * `p.(Val600Glu)` → `p.V600E`. Strings that are not protein changes give undefined.
 */
export function shortProteinChange(hgvsp: string | undefined): string | undefined {
  if (!hgvsp) return undefined;
  const p = proteinPart(hgvsp);
  if (!p.startsWith('p.')) return undefined;
  const body = p.slice(2).replace(/^\((.*)\)$/, '$1');
  if (body === '' || body === '?') return undefined;
  return `p.${body.replace(THREE_LETTER, (aa) => ONE_LETTER[aa] as string)}`;
}
