/**
 * The therapy knowledge base: CIViC's predictive evidence (CC0, https://civicdb.org), versioned by
 * the release date in `data/civic/release.json`, with the Disease Ontology sub-graph and the
 * patient-disease map. Loaded once at start-up: every file is checked against its manifest and
 * every row against its schema, and any problem stops the load with the file and line of each
 * bad row.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { badInput, type InputIssue } from '../errors/domain-error.ts';
import { EvidenceRowSchema, readRows, StatementRowSchema, type EvidenceRow } from './civic-rows.ts';
import { buildDiseaseOntology, OntologyFileSchema } from './disease-ontology.ts';
import { DiseaseMapSchema, type DiseaseKnowledge } from './disease-matching.ts';
import { compileProfile, type CompiledProfile } from './profile-matching.ts';
import { ProfileSyntaxError } from './profile-parser.ts';
import { regimensOf, type Regimen } from './regimens.ts';

export type EvidenceLevel = EvidenceRow['evidence_level'];
export type Significance = EvidenceRow['significance'];
export type EvidenceDirection = EvidenceRow['evidence_direction'];

export interface Citation {
  source: EvidenceRow['source_type'];
  id: string;
  /** PubMed's page for the article; CIViC's item page (`url`) links ASCO and ASH abstracts */
  url?: string;
}

/** One CIViC predictive evidence item, with its profile parsed and its therapies as regimens. */
export interface EvidenceItem {
  id: number;
  /** line of the evidence TSV it came from */
  line: number;
  profileName: string;
  profile: CompiledProfile;
  disease: { name: string; doid?: string };
  /** CIViC's therapy list as written */
  therapies: string;
  regimens: Regimen[];
  level: EvidenceLevel;
  direction: EvidenceDirection;
  significance: Significance;
  /** CIViC's 1-5 trust rating, when set */
  rating?: number;
  variantOrigin: string;
  citation: Citation;
  nctIds: string[];
  /** the curated statement (the extract carries it for level A/B supporting items) */
  statement?: string;
  url: string;
  /** YYYY-MM-DD */
  lastReview: string;
  /** a curator has flagged the item for review */
  flagged: boolean;
}

export interface TherapyKnowledgeBase {
  /** `civic-<release date>` */
  version: string;
  release: string;
  source: string;
  items: readonly EvidenceItem[];
  diseases: DiseaseKnowledge;
  stats: { items: number; statements: number; flagged: number; profiles: number; unknownDiseaseIds: string[] };
}

export interface LoadKnowledgeBaseOptions {
  /** the folder holding `civic/`, `disease-ontology.json` and `disease-map.json`; the shipped data by default */
  dir?: URL;
}

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const FileEntry = z.object({ name: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), rows: z.number().int().nonnegative() });
const ReleaseSchema = z.object({
  source: z.string().min(1),
  release: DATE,
  newestReview: DATE,
  files: z.object({ evidence: FileEntry, statements: FileEntry }),
});

const MAX_ISSUES = 100;
export const DEFAULT_DATA_DIR = new URL('./data/', import.meta.url);

function readJson<S extends z.ZodType>(url: URL, schema: S): z.output<S> {
  const file = url.pathname.split('/').slice(-2).join('/');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(url, 'utf8'));
  } catch (err) {
    throw badInput(`${file}: ${(err as Error).message}`, [{ file, message: (err as Error).message }]);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ file, expression: i.path.join('.'), message: `${i.path.join('.')}: ${i.message}` }));
  throw badInput(`${file}: ${issues[0]?.message}`, issues);
}

function readChecked(dir: URL, entry: z.output<typeof FileEntry>): string {
  const bytes = readFileSync(new URL(entry.name, dir));
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== entry.sha256) {
    const message = `sha256 ${sha} differs from civic/release.json (${entry.sha256}); replace the extract and its manifest together`;
    throw badInput(`${entry.name}: ${message}`, [{ file: entry.name, message }]);
  }
  return bytes.toString('utf8');
}

function toItem(row: EvidenceRow, line: number, profile: CompiledProfile, statement: string | undefined): EvidenceItem {
  const item: EvidenceItem = {
    id: row.evidence_id,
    line,
    profileName: row.molecular_profile,
    profile,
    disease: { name: row.disease, ...(row.doid ? { doid: `DOID:${row.doid}` } : {}) },
    therapies: row.therapies,
    regimens: regimensOf(row.therapies, row.therapy_interaction_type),
    level: row.evidence_level,
    direction: row.evidence_direction,
    significance: row.significance,
    variantOrigin: row.variant_origin,
    citation: {
      source: row.source_type,
      id: row.citation_id,
      ...(row.source_type === 'PubMed' ? { url: `https://pubmed.ncbi.nlm.nih.gov/${row.citation_id}/` } : {}),
    },
    nctIds: row.nct_ids.split(',').map((s) => s.trim()).filter(Boolean),
    url: row.evidence_civic_url,
    lastReview: row.last_review_date.slice(0, 10),
    flagged: row.is_flagged === 'true',
  };
  if (row.rating) item.rating = Number(row.rating);
  if (statement) item.statement = statement;
  return item;
}

/** Loads and checks the knowledge base; throws a BAD_INPUT DomainError listing every bad row by file and line. */
export function loadTherapyKnowledgeBase(options: LoadKnowledgeBaseOptions = {}): TherapyKnowledgeBase {
  const dir = options.dir ?? DEFAULT_DATA_DIR;
  const civicDir = new URL('civic/', dir);
  const release = readJson(new URL('release.json', civicDir), ReleaseSchema);
  const { evidence: evidenceFile, statements: statementFile } = release.files;

  const evidence = readRows(readChecked(civicDir, evidenceFile), evidenceFile.name, EvidenceRowSchema);
  const statements = readRows(readChecked(civicDir, statementFile), statementFile.name, StatementRowSchema);
  const issues: InputIssue[] = [...evidence.issues, ...statements.issues];
  for (const [entry, parsed] of [[evidenceFile, evidence], [statementFile, statements]] as const) {
    const total = parsed.rows.length + new Set(parsed.issues.map((i) => i.line)).size;
    if (total !== entry.rows) issues.push({ file: entry.name, message: `${total} rows where civic/release.json says ${entry.rows}` });
  }

  const statementById = new Map(statements.rows.map(({ row }) => [row.evidence_id, row.evidence_statement]));
  const profiles = new Map<string, CompiledProfile>();
  const seen = new Map<number, number>();
  const items: EvidenceItem[] = [];
  for (const { line, row } of evidence.rows) {
    const file = evidenceFile.name;
    const earlier = seen.get(row.evidence_id);
    if (earlier !== undefined) {
      issues.push({ file, line, expression: 'evidence_id', message: `line ${line}: evidence_id ${row.evidence_id} repeats line ${earlier}` });
      continue;
    }
    seen.set(row.evidence_id, line);
    if (row.last_review_date.slice(0, 10) > release.release) {
      issues.push({ file, line, expression: 'last_review_date', message: `line ${line}: reviewed ${row.last_review_date}, after the release date ${release.release}` });
    }
    let profile = profiles.get(row.molecular_profile);
    if (!profile) {
      try {
        profile = compileProfile(row.molecular_profile);
      } catch (err) {
        if (!(err instanceof ProfileSyntaxError)) throw err;
        issues.push({ file, line, expression: 'molecular_profile', message: `line ${line}: molecular_profile: ${err.message}` });
        continue;
      }
      profiles.set(row.molecular_profile, profile);
    }
    items.push(toItem(row, line, profile, statementById.get(row.evidence_id)));
  }
  for (const { line, row } of statements.rows) {
    if (!seen.has(row.evidence_id)) {
      issues.push({ file: statementFile.name, line, expression: 'evidence_id', message: `line ${line}: a statement for evidence ${row.evidence_id}, which the evidence file lacks` });
    }
  }
  if (issues.length > 0) {
    const bad = issues.length === 1 ? (issues[0]?.message ?? '') : `${issues.length} problems, the first: ${issues[0]?.message}`;
    throw badInput(`CIViC extract ${release.release}: ${bad}; the knowledge base was not loaded`, issues.slice(0, MAX_ISSUES));
  }

  const map = readJson(new URL('disease-map.json', dir), DiseaseMapSchema);
  const ontologyFile = readJson(new URL('disease-ontology.json', dir), OntologyFileSchema);
  const ontology = buildDiseaseOntology(ontologyFile, new Map([...map.extraParents].map(([id, e]) => [id, e.parents])));
  const unknownDiseaseIds = [...new Set(items.flatMap((i) => (i.disease.doid && !ontology.nameOf(i.disease.doid) ? [i.disease.doid] : [])))].sort();

  return {
    version: `civic-${release.release}`,
    release: release.release,
    source: release.source,
    items,
    diseases: { ontology, map },
    stats: { items: items.length, statements: statementById.size, flagged: items.filter((i) => i.flagged).length, profiles: profiles.size, unknownDiseaseIds },
  };
}
