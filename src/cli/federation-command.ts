/**
 * `sangam federation status`: rounds and sites of a federation, from a running coordinator's
 * read-only status page (`--url`, or the one holding `--data-dir`) or straight from its store when
 * none is running. It shows ids, states, counts and times only; never parameters or patient data.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../config/config.ts';
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import { coordinatorStatus, FEDERATION_API_PREFIX, type CoordinatorStatus } from '../federation/coordinator/index.ts';
import { acquireLock, readLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';
import type { Output } from './commands.ts';
import { DEFAULT_COORDINATOR_DIR } from './coordinator-store.ts';

export interface StatusFlags {
  url?: string;
  dataDir?: string;
  databaseUrl?: string;
  federation?: string;
  limit?: string;
  json?: boolean;
}

/** Reads a running coordinator's status page. */
async function fetchStatus(url: string, federation: string | undefined, limit: number): Promise<CoordinatorStatus> {
  const target = new URL(`${url.replace(/\/+$/, '')}${FEDERATION_API_PREFIX}/status`);
  if (federation) target.searchParams.set('federation', federation);
  target.searchParams.set('limit', String(limit));
  let res: Response;
  try {
    res = await fetch(target);
  } catch (err) {
    throw new DomainError(ErrorCode.UPSTREAM_FAILED, `cannot reach the coordinator at ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new DomainError(ErrorCode.UPSTREAM_FAILED, `the coordinator at ${url} answered ${res.status}`);
  return (await res.json()) as CoordinatorStatus;
}

/** Status from `--url`, from the coordinator holding the data directory, or from the store itself. */
export async function readStatus(flags: StatusFlags): Promise<{ status: CoordinatorStatus; source: string }> {
  const limit = Math.min(Math.max(Number(flags.limit ?? 20) || 20, 1), 500);
  if (flags.url) return { status: await fetchStatus(flags.url, flags.federation, limit), source: flags.url };
  const config = loadConfig(process.env, { dataDir: flags.dataDir ?? DEFAULT_COORDINATOR_DIR, databaseUrl: flags.databaseUrl, logLevel: 'warn' });
  if (!config.databaseUrl) {
    const holder = readLock(config.dataDir);
    // the embedded store has one owner: ask the coordinator that holds it
    if (holder?.url) return { status: await fetchStatus(holder.url, flags.federation, limit), source: holder.url };
  }
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  try {
    const db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
    try {
      const status = await coordinatorStatus(db, { ...(flags.federation ? { federationId: flags.federation } : {}), limit });
      return { status, source: config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : config.dataDir };
    } finally {
      await db.close();
    }
  } finally {
    lock?.release();
  }
}

/** Left-aligned columns, two spaces apart. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

const time = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

/** The status as two tables, rounds (newest first) and sites. */
export function formatStatus(status: CoordinatorStatus): string[] {
  const rounds = formatTable(
    ['ROUND', 'FEDERATION', 'LINEAGE', 'STATE', 'STRATEGY', 'UPDATES', 'QUORUM', 'INVITED', 'DECLINED', 'VERSION', 'OPENED', 'CLOSED/DEADLINE', 'NOTE'],
    status.rounds.map((r) => [
      r.id,
      r.federationId,
      r.lineageId,
      r.state + (r.secAggStep ? ` (${r.secAggStep})` : ''),
      r.strategy + (r.secureAggregation ? '+secagg' : ''),
      String(r.submitted),
      String(r.quorum),
      String(r.invited),
      String(r.declined),
      r.resultVersion === null ? `${r.baseVersion}→` : `${r.baseVersion}→${r.resultVersion}`,
      time(r.openedAt),
      r.closedAt ? time(r.closedAt) : `by ${time(r.deadline)}`,
      [r.failure, ...(r.declines ?? []).map((d) => `${d.siteId} declined: ${d.reason}`)].filter(Boolean).join('; '),
    ]),
  );
  const sites = formatTable(
    ['SITE', 'FEDERATION', 'STATUS', 'REGISTERED', 'LAST SEEN'],
    status.sites.map((s) => [s.siteId, s.federationId, s.status, time(s.registeredAt), time(s.lastSeenAt)]),
  );
  return [status.rounds.length > 0 ? 'Rounds' : 'Rounds: none yet', ...(status.rounds.length > 0 ? rounds : []), '', status.sites.length > 0 ? 'Sites' : 'Sites: none registered', ...(status.sites.length > 0 ? sites : [])];
}

/** The `federation` command: `status`. */
export function federationCommand(io: Output): Command {
  const federation = new Command('federation').description('progress of federated training');
  federation
    .command('status')
    .description("rounds and sites, from a running coordinator or from its store")
    .option('--url <url>', "a running coordinator's base URL")
    .addOption(new Option('--data-dir <dir>', "the coordinator's data directory (default ./.sangam-coordinator); a running coordinator holding it is asked instead"))
    .addOption(new Option('--database-url <url>', "the coordinator's PostgreSQL server (or DATABASE_URL)"))
    .option('--federation <id>', 'one federation only')
    .option('--limit <n>', 'most rounds listed, newest first (default 20)')
    .option('--json', 'print the status as JSON')
    .action(async (flags: StatusFlags) => {
      const { status, source } = await readStatus(flags);
      if (flags.json) {
        io.out(JSON.stringify(status, null, 2));
        return;
      }
      io.out(`Federation status from ${source}`);
      for (const line of formatStatus(status)) io.out(line);
    });
  return federation;
}
