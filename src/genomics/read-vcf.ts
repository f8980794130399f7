/**
 * Reads a somatic VCF into normalised calls: one per ALT allele that passes the filters, with one
 * chosen annotation, the tumour's allele fraction and depth, hotspot recognition and TMB. Every
 * problem is reported with its line number; one bad line rejects the whole file.
 */
import VCF, { type Variant } from '@gmod/vcf';
import { badInput, type InputIssue } from '../errors/domain-error.ts';
import { annotationLayout, parseBlock, pickAnnotation, type AnnotationLayout, type AnnotationSource, type TranscriptAnnotation } from './annotations.ts';
import { countsForTmb, TmbMethod } from './consequences.ts';
import { buildEvidence, normaliseContig, type GenomeBuild } from './genome-build.ts';
import { findHotspot } from './hotspot-table.ts';
import { shortProteinChange } from './protein-change.ts';
import { chooseTumourSample, MAX_STORED_INT, ReadCountError, readSupport, SampleChoiceError, tumourData, type InfoTags, type ReadSupport } from './sample-reads.ts';
import { DEFAULT_LINE_LIMITS, LineStreamError, readLines, type LineLimits } from './vcf-lines.ts';

export interface ReadVcfOptions {
  /** named in every error */
  fileName: string;
  /** the build, when the header does not say; it must agree with the header when both do */
  build?: GenomeBuild;
  tumourSample?: string;
  /** FILTER values that pass; `.` (no filters applied) passes unless `requireFilter` */
  passFilters?: readonly string[];
  requireFilter?: boolean;
  minDepth?: number;
  minVaf?: number;
  tmbMethod?: TmbMethod;
  /** effective coding target in Mb (PCGR's default for WES/WGS is 34) */
  tmbTargetMb?: number;
  /** INFO tags holding the tumour's AF and depth; PCGR's TVAF/TDP are used when the header declares them */
  infoTags?: InfoTags;
  maxRecords?: number;
  limits?: LineLimits;
  onProgress?: (lines: number) => void;
}

export interface VariantCall {
  line: number;
  chrom: string;
  pos: number;
  ref: string;
  alt: string;
  filter: string;
  gene?: string;
  geneId?: string;
  hgncId?: string;
  consequence?: string;
  terms: string[];
  impact?: string;
  transcript?: string;
  canonical?: boolean;
  exon?: string;
  hgvsc?: string;
  hgvsp?: string;
  proteinChange?: string;
  vaf?: number;
  depth?: number;
  altDepth?: number;
  hotspot?: string;
  tmbCounted: boolean;
}

export interface TmbResult {
  method: TmbMethod;
  count: number;
  targetMb: number;
  /** mutations per Mb */
  value: number;
}

export interface VariantCallSet {
  fileName: string;
  build: GenomeBuild;
  /** the header lines the build was read from, or `given` */
  buildFrom: string[];
  annotation: AnnotationSource;
  tumourSample?: string;
  calls: VariantCall[];
  /** why TMB is missing, when it is */
  tmb: TmbResult | { unavailable: string };
  stats: {
    lines: number;
    records: number;
    alleles: number;
    kept: number;
    /** ALT alleles dropped per FILTER label */
    filtered: Record<string, number>;
    belowDepth: number;
    belowVaf: number;
    /** records without an ALT or with a symbolic one, which this reader does not interpret */
    skippedSymbolic: number;
    readsFrom: Partial<Record<ReadSupport['from'], number>>;
  };
}

const MAX_ISSUES = 100;
const REF = /^[ACGTNacgtn]+$/;
const ALT = /^([ACGTNacgtn]+|\*|<[^>]+>|[ACGTNacgtn]*[[\]][^\t]*)$/;

interface Header {
  meta: string[];
  columns?: string[];
}

/** Streams and reads a VCF; throws a located BAD_INPUT error and returns nothing when any line is wrong. */
export async function readVcf(source: AsyncIterable<Uint8Array>, options: ReadVcfOptions): Promise<VariantCallSet> {
  const file = options.fileName;
  const issues: InputIssue[] = [];
  let issueCount = 0;
  const problem = (line: number | undefined, message: string) => {
    issueCount++;
    if (issues.length < MAX_ISSUES) issues.push({ ...(line !== undefined ? { line } : {}), file, message });
  };
  const fail = (message: string, line?: number): never => {
    throw badInput(`${file}: ${line !== undefined ? `line ${line}: ` : ''}${message}; nothing was stored`, [{ file, ...(line !== undefined ? { line } : {}), message }]);
  };

  const header: Header = { meta: [] };
  let ctx: RecordContext | undefined;
  const calls: VariantCall[] = [];
  const stats: VariantCallSet['stats'] = { lines: 0, records: 0, alleles: 0, kept: 0, filtered: {}, belowDepth: 0, belowVaf: 0, skippedSymbolic: 0, readsFrom: {} };
  const maxRecords = options.maxRecords ?? 2_000_000;

  try {
    await readLines(
      source,
      (line, n) => {
        stats.lines = n;
        if (options.onProgress && n % 2000 === 0) options.onProgress(n);
        if (!ctx) {
          if (n === 1 && !line.startsWith('##fileformat=VCF')) fail('not a VCF: the first line must be ##fileformat=VCFv4.x (the header is missing)', 1);
          if (line.startsWith('##')) header.meta.push(line);
          else if (line.startsWith('#CHROM')) ctx = startRecords(header, line, n, options, fail);
          else if (line.trim() !== '') fail('a data line comes before the #CHROM header line (the header is missing or incomplete)', n);
          return;
        }
        if (line === '' || line.startsWith('#')) return;
        stats.records++;
        if (stats.records > maxRecords) fail(`more than ${maxRecords} records`, n);
        readRecord(ctx, line, n, calls, stats, problem);
      },
      options.limits ?? DEFAULT_LINE_LIMITS,
    );
  } catch (err) {
    if (err instanceof LineStreamError) fail(err.message, err.line);
    throw err;
  }
  if (!ctx) fail(header.meta.length === 0 ? 'the file is empty' : 'the header has no #CHROM line');
  if (issueCount > 0) {
    throw badInput(`${file}: ${issueCount} malformed line${issueCount === 1 ? '' : 's'}; nothing was stored`, issues);
  }
  const c = ctx as RecordContext;
  const method = c.method;
  const targetMb = options.tmbTargetMb ?? 34;
  const counted = calls.filter((x) => x.tmbCounted).length;
  return {
    fileName: file,
    build: c.build,
    buildFrom: c.buildFrom,
    annotation: c.layout?.source ?? 'none',
    ...(c.sample !== undefined ? { tumourSample: c.sample } : {}),
    calls,
    tmb: c.layout ? { method, count: counted, targetMb, value: counted / targetMb } : { unavailable: 'the VCF carries no consequence annotations (CSQ or ANN), so coding variants cannot be told apart' },
    stats,
  };
}

interface RecordContext {
  parser: VCF;
  columns: number;
  build: GenomeBuild;
  buildFrom: string[];
  layout?: AnnotationLayout;
  sample?: string;
  infoTags?: InfoTags;
  pass: ReadonlySet<string>;
  requireFilter: boolean;
  minDepth: number;
  minVaf: number;
  method: TmbMethod;
}

function startRecords(header: Header, line: string, n: number, options: ReadVcfOptions, fail: (m: string, line?: number) => never): RecordContext {
  const columns = line.split('\t');
  const fixed = ['#CHROM', 'POS', 'ID', 'REF', 'ALT', 'QUAL', 'FILTER', 'INFO'];
  if (fixed.some((c, i) => columns[i] !== c)) fail(`the #CHROM line must start with the 8 tab-separated columns ${fixed.join(' ')}`, n);
  if (columns.length > 8 && columns[8] !== 'FORMAT') fail('the 9th column of the #CHROM line must be FORMAT', n);
  const samples = columns.slice(9);
  if (new Set(samples).size !== samples.length) fail('sample names in the #CHROM line repeat', n);

  const evidence = buildEvidence(header.meta);
  const builds = [...new Set(evidence.map((e) => e.build))];
  if (builds.length > 1) fail(`the header contradicts itself about the genome build (${evidence.map((e) => `${e.from}: ${e.build}`).join('; ')})`);
  const stated = builds[0];
  if (options.build && stated && options.build !== stated) {
    fail(`${options.build} was requested, but the header says ${stated} (${evidence.map((e) => e.from).join(', ')})`);
  }
  const build = options.build ?? stated;
  if (!build) fail('the header does not say which genome build the calls are on (no ##reference, ##contig lengths or ##assembly); give the build explicitly');

  const infoDescriptions = new Map<string, string>();
  for (const m of header.meta) {
    const info = /^##INFO=<ID=([^,>]+),.*Description="(.*)"/.exec(m);
    if (info) infoDescriptions.set(info[1] as string, info[2] as string);
  }
  let layout: AnnotationLayout | undefined;
  try {
    layout = annotationLayout(infoDescriptions);
  } catch (err) {
    fail((err as Error).message);
  }
  const headerTumour = header.meta.find((m) => m.startsWith('##tumor_sample='))?.slice('##tumor_sample='.length).trim();
  let sample: string | undefined;
  try {
    sample = chooseTumourSample(samples, headerTumour, options.tumourSample);
  } catch (err) {
    if (err instanceof SampleChoiceError) fail(err.message);
    throw err;
  }
  const infoTags = options.infoTags ?? (infoDescriptions.has('TVAF') && infoDescriptions.has('TDP') ? { af: 'TVAF', dp: 'TDP' } : undefined);
  let parser: VCF;
  try {
    parser = new VCF({ header: [...header.meta, line].join('\n'), strict: true });
  } catch (err) {
    fail(`the header cannot be parsed (${(err as Error).message})`);
  }
  return {
    parser: parser!,
    columns: columns.length,
    build: build as GenomeBuild,
    buildFrom: options.build ? ['given'] : evidence.map((e) => e.from),
    ...(layout ? { layout } : {}),
    ...(sample !== undefined ? { sample } : {}),
    ...(infoTags ? { infoTags } : {}),
    pass: new Set(options.passFilters ?? ['PASS']),
    requireFilter: options.requireFilter ?? false,
    minDepth: options.minDepth ?? 0,
    minVaf: options.minVaf ?? 0,
    method: options.tmbMethod ?? TmbMethod.CODING_AND_SILENT,
  };
}

/** Checks the fixed columns cheaply, before the parser sees the line. */
function checkLine(ctx: RecordContext, line: string): string | undefined {
  let tabs = 0;
  for (let i = line.indexOf('\t'); i >= 0; i = line.indexOf('\t', i + 1)) tabs++;
  if (tabs + 1 < 8) return `${tabs + 1} columns; a record needs at least 8 (CHROM POS ID REF ALT QUAL FILTER INFO)`;
  if (ctx.columns > 8 && tabs + 1 !== ctx.columns) return `${tabs + 1} columns, but the #CHROM line declares ${ctx.columns}`;
  const f = line.split('\t', 5);
  if (!f[0]) return 'CHROM is empty';
  if (!/^[1-9]\d*$/.test(f[1] ?? '')) return `POS "${f[1]}" is not a positive integer`;
  if (Number(f[1]) > MAX_STORED_INT) return `POS ${f[1]} is above ${MAX_STORED_INT}, the largest position stored`;
  if (!REF.test(f[3] ?? '')) return `REF "${f[3]}" is not a DNA sequence`;
  if (f[4] !== '.' && !(f[4] ?? '').split(',').every((a) => ALT.test(a))) return `ALT "${f[4]}" is not a list of alleles`;
  return undefined;
}

function readRecord(ctx: RecordContext, line: string, n: number, calls: VariantCall[], stats: VariantCallSet['stats'], problem: (line: number, m: string) => void): void {
  const bad = checkLine(ctx, line);
  if (bad) return problem(n, bad);
  let v: Variant;
  try {
    v = ctx.parser.parseLine(line);
  } catch (err) {
    return problem(n, (err as Error).message);
  }
  const alts = v.ALT ?? [];
  if (alts.length === 0) {
    stats.skippedSymbolic++;
    return;
  }
  const ref = v.REF as string;
  const chrom = normaliseContig(v.CHROM as string);
  const filter = v.FILTER === undefined ? '.' : typeof v.FILTER === 'string' ? v.FILTER : v.FILTER.join(';');
  const passes = filter === '.' ? !ctx.requireFilter : filter.split(';').every((f) => ctx.pass.has(f));
  // blocks are split only for records that pass: most records of a raw caller VCF are filtered
  let blocks: TranscriptAnnotation[] | undefined;
  let sampleData: ReturnType<typeof tumourData> | null = null;
  const blocksOf = () => (blocks ??= ctx.layout ? ((v.INFO[ctx.layout.tag] as unknown[] | undefined) ?? []).map((b) => parseBlock(ctx.layout as AnnotationLayout, String(b))) : []);
  for (const [altIndex, alt] of alts.entries()) {
    stats.alleles++;
    if (alt.startsWith('<') || alt === '*' || alt.includes('[') || alt.includes(']')) {
      stats.skippedSymbolic++;
      continue;
    }
    if (!passes) {
      stats.filtered[filter] = (stats.filtered[filter] ?? 0) + 1;
      continue;
    }
    if (sampleData === null) sampleData = tumourData(v, ctx.sample);
    let support: ReadSupport;
    try {
      support = readSupport(v, sampleData, altIndex, alt, ctx.infoTags);
    } catch (err) {
      // one problem per line, however many ALT alleles it has
      if (err instanceof ReadCountError) return problem(n, err.message);
      throw err;
    }
    stats.readsFrom[support.from] = (stats.readsFrom[support.from] ?? 0) + 1;
    if (ctx.minDepth > 0 && support.depth !== undefined && support.depth < ctx.minDepth) {
      stats.belowDepth++;
      continue;
    }
    if (ctx.minVaf > 0 && support.vaf !== undefined && support.vaf < ctx.minVaf) {
      stats.belowVaf++;
      continue;
    }
    const call: VariantCall = { line: n, chrom, pos: v.POS, ref, alt, filter, terms: [], tmbCounted: false };
    if (support.vaf !== undefined) call.vaf = support.vaf;
    if (support.depth !== undefined) call.depth = support.depth;
    if (support.altDepth !== undefined) call.altDepth = support.altDepth;
    const picked = ctx.layout ? pickAnnotation(ctx.layout, blocksOf(), ref, alts, alt) : undefined;
    if (picked) {
      call.terms = picked.terms;
      call.consequence = picked.consequence;
      for (const k of ['gene', 'geneId', 'hgncId', 'impact', 'transcript', 'exon', 'hgvsc', 'hgvsp'] as const) if (picked[k] !== undefined) call[k] = picked[k];
      call.canonical = picked.canonical || picked.mane;
      const short = shortProteinChange(picked.hgvsp);
      if (short) call.proteinChange = short;
      call.tmbCounted = countsForTmb(picked.terms, ctx.method);
    }
    const hotspot = findHotspot(ctx.build, chrom, v.POS, ref, alt);
    if (hotspot) {
      call.hotspot = hotspot.key;
      if (!picked) {
        // unannotated files still name their actionable hotspots
        Object.assign(call, { gene: hotspot.gene, consequence: hotspot.consequence, terms: [hotspot.consequence], hgvsc: hotspot.hgvsc, hgvsp: hotspot.hgvsp, proteinChange: hotspot.proteinChange });
      }
    }
    stats.kept++;
    calls.push(call);
  }
}
