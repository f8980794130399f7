import { writeFileSync } from 'node:fs';
import { loadOrCreateSiteKey, loadOrCreateSiteKeyFile } from '../auth/site-key.ts';
import { loadConfig } from '../config/config.ts';
import { equityOptions } from '../equity/equity-options.ts';
import { renderEquityChart, renderEquityPng, renderEquityTable } from '../equity/index.ts';
import { formatTable } from '../equity/render-table.ts';
import { badInput } from '../errors/domain-error.ts';
import { deriveMatcherKey } from '../trials/cohort/pseudonyms.ts';
import { pseudonymSecret } from '../trials/cohort/site-secret.ts';
import type { Output } from './commands.ts';
import { readJsonFile } from './import-files.ts';
import { withLocalSite, type LocalSiteOptions } from './local-site.ts';

const MAX_INPUT_BYTES = 16 * 1024 * 1024;

function positiveInt(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badInput(`${name} must be a whole number from 1 to ${max}; got ${value}`);
  return n;
}

function dateOption(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw badInput(`--as-of must be a date or time such as 2026-01-31; got ${value}`);
  return d;
}

export interface EquityReportOptions extends LocalSiteOptions {
  asOf?: string;
  minSubgroup?: string;
  svg?: string;
  png?: string;
  json?: boolean;
}

/** `sangam report equity`: the site's equity report as a table (or JSON), with an SVG or PNG chart. */
export async function reportEquityCommand(options: EquityReportOptions, io: Output): Promise<void> {
  const asOf = dateOption(options.asOf);
  const min = options.minSubgroup === undefined ? undefined : positiveInt(options.minSubgroup, '--min-subgroup', 20, 100_000);
  await withLocalSite(options, async (site) => {
    const report = await site.equity.report(equityOptions(site.trials, asOf, min));
    io.out(options.json ? JSON.stringify(report) : renderEquityTable(report));
    if (options.svg) {
      writeFileSync(options.svg, renderEquityChart(report));
      io.err(`chart written to ${options.svg}`);
    }
    if (options.png) {
      writeFileSync(options.png, await renderEquityPng(report));
      io.err(`chart written to ${options.png}`);
    }
  });
}

/** `sangam therapy suggest PATIENT`: tiered suggestions with their evidence and predicted response. */
export async function therapySuggestCommand(patientId: string, options: LocalSiteOptions & { json?: boolean }, io: Output): Promise<void> {
  await withLocalSite(options, async (site) => {
    const result = await site.therapy.suggest(patientId);
    if (options.json) {
      io.out(JSON.stringify(result));
      return;
    }
    io.out(`Patient/${patientId}: knowledge base ${result.knowledgeBase}, response model ${result.modelVersion ?? 'none'}${result.sequenced ? '' : ' (no sequencing result stored: evidence cannot be matched)'}`);
    const rows = result.suggestions.map((s) => [
      s.therapy.name,
      s.tier ?? '-',
      s.level,
      s.predictedResponse === undefined ? '-' : s.predictedResponse.toFixed(2),
      s.evidence.map((e) => `EID${e.id}`).join(' ') || '-',
      s.resistance.length > 0 ? `resistance: ${s.resistance.map((e) => `EID${e.id} ${e.profile}`).join('; ')}` : '',
    ]);
    io.out(formatTable(['therapy', 'tier', 'level', 'response', 'evidence', 'warnings'], rows));
  });
}

export interface TrialsRegisterOptions extends LocalSiteOptions {
  researchStudy?: string;
  eligibility?: string;
}

/** `sangam trials register`: a trial from a FHIR ResearchStudy and/or a CTML-like eligibility file. */
export async function trialsRegisterCommand(options: TrialsRegisterOptions, io: Output): Promise<void> {
  if (!options.researchStudy && !options.eligibility) throw badInput('give --research-study FILE, --eligibility FILE, or both');
  const input = {
    ...(options.researchStudy ? { researchStudy: readJsonFile(options.researchStudy, MAX_INPUT_BYTES) } : {}),
    ...(options.eligibility ? { eligibility: readJsonFile(options.eligibility, MAX_INPUT_BYTES) } : {}),
  };
  await withLocalSite(options, async (site) => {
    const trial = await site.trials.registerTrial(input);
    io.out(`registered ${trial.id}: ${trial.title} (${trial.status})`);
    for (const w of trial.warnings) io.out(`  warning ${w.expression ?? ''}: ${w.message}`);
  });
}

/** `sangam trials match PATIENT`: each registered trial for one patient, criterion by criterion. */
export async function trialsMatchCommand(patientId: string, options: LocalSiteOptions & { all?: boolean; json?: boolean }, io: Output): Promise<void> {
  await withLocalSite(options, async (site) => {
    const matches = await site.trials.matchingTrials(patientId, { includeNotEligible: options.all ?? false });
    if (options.json) {
      io.out(JSON.stringify(matches));
      return;
    }
    if (matches.length === 0) io.out(`Patient/${patientId}: no registered trial matches${options.all ? '' : ' (--all shows the ones that do not)'}`);
    for (const m of matches) {
      io.out(`${m.trial.id} ${m.status}: ${m.trial.title}`);
      for (const c of m.criteria) io.out(`  ${c.result.padEnd(7)} ${c.exclusion ? '(exclusion) ' : ''}${c.text}${c.observed ? ` [observed: ${c.observed}]` : ''}`);
    }
  });
}

export interface TrialsEligibleOptions extends LocalSiteOptions {
  matcher: string;
  first?: string;
  after?: string;
  json?: boolean;
}

/**
 * `sangam trials eligible TRIAL --matcher ID`: the de-identified cohort answer exactly as that trial
 * matcher receives it through the API (pseudonyms keyed to the matcher, counts below 11 suppressed).
 */
export async function trialsEligibleCommand(trialId: string, options: TrialsEligibleOptions, io: Output): Promise<void> {
  const first = positiveInt(options.first, '--first', 100, 500);
  const config = loadConfig(process.env, { dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  await withLocalSite(options, async (site, db) => {
    const key = config.databaseUrl ? await loadOrCreateSiteKey(db) : await loadOrCreateSiteKeyFile(config.dataDir);
    const matcherKey = deriveMatcherKey(await pseudonymSecret(key), options.matcher);
    const page = await site.trials.eligiblePatients(trialId, { first, matcherKey, ...(options.after ? { after: options.after } : {}) });
    if (options.json) {
      io.out(JSON.stringify(page));
      return;
    }
    io.out(`${page.trialId}: ${page.count.display} eligible as of ${page.asOf}${page.idsWithheld ? ' (ids withheld: the count is suppressed)' : ''}${page.needsRecordReview ? '; some criteria need a record review' : ''}`);
    for (const [name, cells] of Object.entries(page.representation)) io.out(`  ${name}: ${cells.map((c) => `${c.group} ${c.count.display}`).join(', ')}`);
    for (const p of page.patients) io.out(p.pseudonym);
    if (page.pageInfo.hasNextPage) io.out(`more: --after ${page.pageInfo.endCursor}`);
  });
}

/** `sangam outcomes record FILE`: one line of therapy's outcome (the GraphQL OutcomeInput as JSON). */
export async function outcomesRecordCommand(file: string, options: LocalSiteOptions, io: Output): Promise<void> {
  const input = readJsonFile(file, MAX_INPUT_BYTES);
  await withLocalSite(options, async (site) => {
    const o = await site.outcomes.record(input);
    const label = (l: { days: number; event: 0 | 1 }) => `${l.days} days${l.event === 1 ? '' : ' (censored)'}`;
    io.out(`recorded line ${o.line} (${o.regimen ?? o.therapy}) for Patient/${o.patientId}: ${o.resources.length} resources`);
    io.out(`  progression-free survival ${label(o.pfs)}; overall survival ${label(o.os)}`);
    for (const w of o.warnings) io.out(`  warning ${w.expression ?? ''}: ${w.message}`);
  });
}
