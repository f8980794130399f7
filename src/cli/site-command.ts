/**
 * `sangam site key` and `sangam site join URL`: a hospital site's identity key, and taking part in a
 * federation on its own (the same participant `sangam serve --coordinator URL` runs inside a
 * serving site). The site only calls out; it trains on its own records, submits protected updates,
 * and tests every new version on its own held-out patients before serving it.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createServices } from '../app.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { badInput, DomainError, ErrorCode } from '../errors/domain-error.ts';
import { loadOrCreateKeyFile, startSiteNode, type SiteNode, type SiteNodeEvent, type SiteNodeOptions } from '../federation/node/index.ts';
import { loadShippedModels } from '../inference/model-registry.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import type { RunningSite } from '../main.ts';
import { acquireLock, readLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';
import { intIn } from './cohort-command.ts';
import type { Output } from './commands.ts';

/** The site's Ed25519 identity key inside its data directory. */
export const SITE_KEY_FILE = 'federation-identity.pem';

/** Flags of a federation participant, shared by `site join` and `serve --coordinator`. */
export interface ParticipantFlags {
  federation?: string;
  site?: string;
  coordinatorKey?: string;
  model?: string;
  lineage?: string;
  budgetEpsilon?: number;
  budgetDelta?: number;
  tolerance?: number;
  pollInterval?: number;
  keyFile?: string;
}

const number = (what: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${what} must be a number, got "${value}"`);
  return n;
};

/** Adds the participant flags to a command (`serve` takes them only with --coordinator). */
export function participantOptions(cmd: Command): Command {
  return cmd
    .option('--federation <id>', 'the federation to take part in')
    .option('--site <id>', "this site's id, as the coordinator registered it")
    .option('--coordinator-key <key>', "the coordinator's Ed25519 public key (base64), pinned: every answer and version must carry its signature")
    .option('--model <name>', 'the served model the federation trains (e.g. response-synthetic)')
    .option('--lineage <id>', "the lineage at the coordinator (default: the model's lineage, else its name)")
    .option('--budget-epsilon <e>', 'differential-privacy budget ε; rounds that would exceed it are declined', number('--budget-epsilon'))
    .option('--budget-delta <d>', 'the budget δ (with --budget-epsilon)', number('--budget-delta'))
    .option('--tolerance <x>', 'largest fall of a held-out metric, overall or per subgroup, a new version may show (default 0.02)', number('--tolerance'))
    .option('--poll-interval <seconds>', 'pause between polls when idle (default 30)', number('--poll-interval'))
    .option('--key-file <file>', "the site's Ed25519 key (default <data-dir>/federation-identity.pem)");
}

/** The participant's settings from its flags; a missing or inconsistent one is bad input naming the flag. */
export function participantSettings(flags: ParticipantFlags, dataDir: string): Omit<SiteNodeOptions, 'services' | 'db' | 'coordinatorUrl'> {
  const missing = (['federation', 'site', 'coordinatorKey', 'model'] as const).filter((k) => !flags[k]);
  if (missing.length > 0) throw badInput(`taking part in a federation needs ${missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
  if ((flags.budgetEpsilon === undefined) !== (flags.budgetDelta === undefined)) throw badInput('a privacy budget needs both --budget-epsilon and --budget-delta');
  if (flags.pollInterval !== undefined && !(flags.pollInterval > 0)) throw badInput('--poll-interval must be above 0');
  if (flags.tolerance !== undefined && !(flags.tolerance >= 0)) throw badInput('--tolerance must be 0 or more');
  return {
    federationId: flags.federation!,
    siteId: flags.site!,
    coordinatorPublicKey: flags.coordinatorKey!,
    model: flags.model!,
    keyFile: flags.keyFile ?? join(dataDir, SITE_KEY_FILE),
    ...(flags.lineage ? { lineage: flags.lineage } : {}),
    ...(flags.budgetEpsilon !== undefined ? { budget: { epsilon: flags.budgetEpsilon, delta: flags.budgetDelta! } } : {}),
    ...(flags.tolerance !== undefined ? { tolerance: flags.tolerance } : {}),
    // a coordinator restart is ridden out with back-off, up to twenty idle intervals (at most 5 minutes)
    ...(flags.pollInterval !== undefined ? { pollIntervalMs: Math.round(flags.pollInterval * 1000), maxBackoffMs: Math.min(300_000, Math.round(flags.pollInterval * 20_000)) } : {}),
    // the split key is a secret, so it comes from the environment, never the command line (ps shows it)
    ...(process.env.SANGAM_SPLIT_KEY ? { splitKey: process.env.SANGAM_SPLIT_KEY } : {}),
  };
}

/** One line per event: round outcomes and version decisions, ids, counts and reasons only. */
export function printSiteEvent(io: Output): (event: SiteNodeEvent) => void {
  return (event) => {
    if (event.kind === 'round') {
      const o = event.outcome;
      if (o.kind === 'submitted') io.out(`round ${o.roundId}: update submitted (${o.receipt.numExamples} examples)`);
      else if (o.kind === 'declined') io.out(`round ${o.roundId}: declined (${o.reason})`);
      else if (o.kind === 'secagg') io.out(`round ${o.roundId}: secure aggregation, ${o.stage} step sent`);
      return;
    }
    const what = `version ${event.version}${event.model ? ` (${event.model})` : ''}`;
    if (event.result === 'installed') io.out(`${what}: installed`);
    else if (event.result === 'serving') io.out(`${what}: already served`);
    else if (event.result === 'no-model') io.out(`${what}: the coordinator published weights only; nothing to install`);
    else io.out(`${what}: refused (${event.reason}): ${event.message}`);
  };
}

/** `serve --coordinator URL`: the participant inside a running site, stopped before the site closes. */
export function startServeParticipant(site: RunningSite, coordinatorUrl: string, flags: ParticipantFlags, config: Config, logger: Logger, io: Output): SiteNode {
  return startSiteNode({ services: site, db: site.db, coordinatorUrl: checkUrl(coordinatorUrl), ...participantSettings(flags, config.dataDir), logger, onEvent: printSiteEvent(io) });
}

function checkUrl(url: string): string {
  if (!/^https?:\/\//.test(url)) throw badInput(`the coordinator URL must be http(s), got ${url}`);
  return url;
}

interface JoinFlags extends ParticipantFlags {
  dataDir?: string;
  databaseUrl?: string;
  rounds?: number;
}

/** `sangam site join URL`: takes part until SIGTERM, or until --rounds versions have been handled. */
async function joinFederation(url: string, flags: JoinFlags, io: Output): Promise<void> {
  const config = loadConfig(process.env, { dataDir: flags.dataDir, databaseUrl: flags.databaseUrl });
  const settings = participantSettings(flags, config.dataDir);
  const logger = createLogger({ level: config.logLevel });
  if (!config.databaseUrl) {
    const holder = readLock(config.dataDir);
    if (holder) {
      throw new DomainError(
        ErrorCode.CONFLICT,
        `a site (process ${holder.pid}${holder.url ? `, serving ${holder.url}` : ''}) holds ${config.dataDir}; run the participant inside it with \`sangam serve --coordinator ${url}\`, or stop it first`,
      );
    }
  }
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  const db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }).catch((err: unknown) => {
    lock?.release();
    throw err;
  });
  const services = createServices({ config, db, logger });
  const stopSignals: (() => void)[] = [];
  try {
    await loadShippedModels(services.models);
    await services.clinical.refreshStaleSummaries();
    const node = startSiteNode({
      services,
      db,
      coordinatorUrl: checkUrl(url),
      ...settings,
      ...(flags.rounds !== undefined ? { stopAfterVersions: flags.rounds } : {}),
      logger,
      onEvent: printSiteEvent(io),
    });
    io.out(`Site ${settings.siteId} is taking part in federation ${settings.federationId} at ${url}`);
    io.out(`  Public key: ${node.publicKey}`);
    io.out(`  Model:      ${settings.model}`);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const stop = () => void node.stop();
      process.once(signal, stop);
      stopSignals.push(() => process.off(signal, stop));
    }
    await node.finished;
    io.out(`Site ${settings.siteId} stopped.`);
  } finally {
    stopSignals.forEach((off) => off());
    await services.pathology.close();
    await services.models.close();
    await db.close();
    lock?.release();
  }
}

/** The `site` command and its subcommands. */
export function siteCommand(io: Output): Command {
  const site = new Command('site').description("a site's part in a federation: its identity key, and joining");
  site
    .command('key')
    .description("print this site's Ed25519 public key (created on first use), for the coordinator to register")
    .addOption(new Option('--data-dir <dir>', 'the site data directory the key lives in (default ./.sangam, or SANGAM_DATA_DIR)'))
    .option('--key-file <file>', 'the key file (default <data-dir>/federation-identity.pem)')
    .action((opts: { dataDir?: string; keyFile?: string }) => {
      const config = loadConfig(process.env, { dataDir: opts.dataDir });
      const key = loadOrCreateKeyFile(opts.keyFile ?? join(config.dataDir, SITE_KEY_FILE));
      // only the key on stdout, so a script can capture it
      io.out(key.publicKey);
      if (key.created) io.err(`created a new identity key in ${opts.keyFile ?? join(config.dataDir, SITE_KEY_FILE)}`);
    });
  participantOptions(
    site
      .command('join <url>')
      .description("take part in a federation: train on this site's records, submit updates, test and install new versions")
      .addOption(new Option('--data-dir <dir>', 'embedded store directory (default ./.sangam, or SANGAM_DATA_DIR)'))
      .addOption(new Option('--database-url <url>', 'a PostgreSQL server instead of the embedded store (or DATABASE_URL)'))
      .option('--rounds <n>', 'stop after handling this many new versions', intIn(1, 100_000)),
  ).action((url: string, opts: JoinFlags) => joinFederation(url, opts, io));
  return site;
}
