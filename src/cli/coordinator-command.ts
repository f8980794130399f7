/**
 * `sangam coordinator init | add-site | add-lineage | serve`: set up a federation, register sites by
 * their public keys, start a lineage from a shipped model, and run the coordinator (the signed
 * federation API, a read-only status page, and a plan of rounds it opens by itself).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { badInput } from '../errors/domain-error.ts';
import { createCoordinator, type OpenRoundOptions } from '../federation/coordinator/index.ts';
import { createLineageFromModel, parseRoundPlan, readShippedModel, startCoordinatorNode, type PlanProgress, type RoundPlan } from '../federation/node/index.ts';
import { intIn } from './cohort-command.ts';
import type { Output } from './commands.ts';
import { openCoordinatorStore, type CoordinatorStoreOptions } from './coordinator-store.ts';

const storeOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--data-dir <dir>', "the coordinator's embedded store and key (default ./.sangam-coordinator)"))
    .addOption(new Option('--database-url <url>', 'a PostgreSQL server instead of the embedded store (or DATABASE_URL)'))
    .addOption(new Option('--key-file <file>', "the coordinator's Ed25519 key (default <data-dir>/coordinator-identity.pem)"));

function storeOf(opts: CoordinatorStoreOptions): CoordinatorStoreOptions {
  return { ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}), ...(opts.keyFile ? { keyFile: opts.keyFile } : {}) };
}

/** Runs `work` on the coordinator's store and closes it, whatever happens. */
async function withCoordinator<T>(opts: CoordinatorStoreOptions, command: string, work: (c: ReturnType<typeof createCoordinator>, publicKey: string) => Promise<T>): Promise<T> {
  const store = await openCoordinatorStore(storeOf(opts), command);
  try {
    return await work(createCoordinator({ db: store.db, logger: store.logger, signingKey: store.key.privateKey }), store.key.publicKey);
  } finally {
    await store.close();
  }
}

const float = (what: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${what} must be a number, got "${value}"`);
  return n;
};

export interface PlanFlags {
  plan?: string;
  federation?: string;
  lineage?: string;
  rounds?: number;
  strategy: string;
  mu?: number;
  serverLr?: number;
  secagg?: boolean;
  localSteps: number;
  lr: number;
  batch: number;
  quorum: number;
  target?: number;
  deadline: number;
  dpNoise?: number;
  dpClip?: number;
  maxExamples?: number;
  maxFailures?: number;
}

/** The plan a `serve` runs: a JSON file, or the flags; none when neither names rounds. */
export function planFromFlags(flags: PlanFlags): RoundPlan | undefined {
  if (flags.plan) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(flags.plan, 'utf8'));
    } catch (err) {
      throw badInput(`cannot read the plan ${flags.plan}: ${(err as Error).message}`);
    }
    return parseRoundPlan(json);
  }
  if (flags.rounds === undefined) return undefined;
  if (!flags.federation || !flags.lineage) throw badInput('a plan given by flags needs --federation and --lineage');
  return parseRoundPlan({
    federationId: flags.federation,
    lineageId: flags.lineage,
    rounds: flags.rounds,
    ...(flags.maxFailures !== undefined ? { maxFailures: flags.maxFailures } : {}),
    round: roundFromFlags(flags),
  });
}

/** One round's settings from the flags `serve` and `open-round` share (validated by the coordinator). */
export function roundFromFlags(flags: Omit<PlanFlags, 'plan' | 'rounds' | 'maxFailures'>): Record<string, unknown> {
  if ((flags.dpNoise === undefined) !== (flags.dpClip === undefined)) throw badInput('differential privacy needs both --dp-noise and --dp-clip');
  if (flags.secagg && flags.maxExamples === undefined) throw badInput('--secagg needs --max-examples: it scales each site\'s weight into the masked sum');
  if (!(flags.deadline > 0)) throw badInput('--deadline must be a positive number of seconds');
  const strategy = {
    name: flags.strategy,
    ...(flags.mu !== undefined ? { mu: flags.mu } : {}),
    ...(flags.serverLr !== undefined ? { serverLr: flags.serverLr } : {}),
    ...(flags.secagg ? { secureAggregation: true } : {}),
  };
  return {
    strategy,
    localSteps: flags.localSteps,
    learningRate: flags.lr,
    batchSize: flags.batch,
    quorum: flags.quorum,
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    durationMs: Math.round(flags.deadline * 1000),
    dp: flags.dpNoise !== undefined ? { noiseMultiplier: flags.dpNoise, clipNorm: flags.dpClip } : null,
    ...(flags.maxExamples !== undefined ? { maxNumExamples: flags.maxExamples } : {}),
  };
}

export interface OpenRoundFlags extends CoordinatorStoreOptions, Omit<PlanFlags, 'plan' | 'rounds' | 'maxFailures' | 'federation' | 'lineage'> {
  federation: string;
  lineage: string;
  roundId?: string;
}

/**
 * `sangam coordinator open-round`: opens one round now (the settings checked by the coordinator's
 * OpenRoundOptionsSchema) and prints its id, invited sites, quorum and deadline. The sites pick it
 * up on their next poll once a coordinator serves the store.
 */
export async function openRoundCommand(flags: OpenRoundFlags, io: Output): Promise<void> {
  const settings = roundFromFlags(flags);
  await withCoordinator(flags, 'open-round', async (c) => {
    const round = await c.openRound({ federationId: flags.federation, lineageId: flags.lineage, ...(flags.roundId ? { roundId: flags.roundId } : {}), ...settings } as OpenRoundOptions);
    io.out(`Round ${round.id} opened for ${round.lineageId} in ${round.federationId} from version ${round.baseVersion}.`);
    io.out(`  strategy ${round.strategy.name}${round.secagg ? ' with secure aggregation' : ''}; ${round.localSteps} local steps, lr ${round.learningRate}, batch ${round.batchSize}${round.dp ? `; DP-SGD σ ${round.dp.noiseMultiplier}, C ${round.dp.clipNorm}` : ''}`);
    io.out(`  invited ${round.invited.length} site(s): ${round.invited.join(', ')}; quorum ${round.quorum}, target ${round.target}; deadline ${new Date(round.deadline).toISOString()}`);
  });
}

/** Prints the plan's progress when it changes (not on every tick). */
function planReporter(plan: RoundPlan, io: Output): (p: PlanProgress) => void {
  let last = '';
  return (p) => {
    const line =
      p.state === 'opened'
        ? `round ${p.closed + 1} of ${plan.rounds} opened: ${p.roundId}`
        : p.state === 'done'
          ? `plan done: ${p.closed} round(s) closed, ${p.failed} failed`
          : p.state === 'stopped'
            ? `plan stopped: ${p.failed} round(s) failed, more than the ${plan.maxFailures} allowed`
            : '';
    if (line && line !== last) io.out(line);
    last = line || last;
  };
}

/** `sangam coordinator serve`: runs until SIGTERM or SIGINT, then closes the server, timer and store. */
async function serve(opts: CoordinatorStoreOptions & PlanFlags & { port: number; host?: string; tickMs?: number }, io: Output): Promise<void> {
  const plan = planFromFlags(opts);
  const store = await openCoordinatorStore(storeOf(opts), 'serve', process.env.LOG_LEVEL ?? 'info');
  let node: Awaited<ReturnType<typeof startCoordinatorNode>>;
  try {
    node = await startCoordinatorNode({
      db: store.db,
      logger: store.logger,
      signingKey: store.key.privateKey,
      port: opts.port,
      ...(opts.host ? { host: opts.host } : {}),
      ...(plan ? { plan, onPlan: planReporter(plan, io) } : {}),
      ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  store.announce(node.url);
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    store.logger.info({ signal }, 'coordinator shutting down');
    node
      .close()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          store.logger.error({ err }, 'coordinator shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  io.out(`Sangam coordinator is running (${store.description})`);
  io.out(`  URL:        ${node.url}`);
  io.out(`  Public key: ${store.key.publicKey}`);
  io.out(`  Status:     ${node.url}/federation/v1/status`);
  if (plan) io.out(`  Plan:       ${plan.rounds} round(s) of ${plan.lineageId} in ${plan.federationId} (${(plan.round.strategy as { name?: string }).name ?? 'strategy'})`);
}

/** The options of one round, shared by `serve` (its plan) and `open-round`. */
function roundOptions(cmd: Command): Command {
  return cmd
    .option('--strategy <name>', 'fedavg, fedprox, fedadagrad, fedadam, fedyogi, median or trimmed-mean', 'fedavg')
    .option('--mu <x>', 'FedProx proximal weight', float('--mu'))
    .option('--server-lr <x>', 'server learning rate', float('--server-lr'))
    .option('--secagg', 'secure aggregation (needs --max-examples)')
    .option('--local-steps <n>', 'local SGD steps per round', intIn(1, 1_000_000), 10)
    .option('--lr <x>', 'local learning rate', float('--lr'), 0.05)
    .option('--batch <n>', 'local batch size', intIn(1, 1_000_000), 16)
    .option('--quorum <n>', 'fewest updates a round needs', intIn(1, 10_000), 2)
    .option('--target <n>', 'updates after which a round closes early (default: the quorum)', intIn(1, 10_000))
    .option('--deadline <seconds>', 'how long a round stays open', float('--deadline'), 600)
    .option('--dp-noise <sigma>', 'DP-SGD noise multiplier σ', float('--dp-noise'))
    .option('--dp-clip <c>', 'DP-SGD per-example clipping norm C', float('--dp-clip'))
    .option('--max-examples <n>', "cap on a site's example count (secure aggregation's weight scale)", intIn(1, 100_000_000));
}

/** The `coordinator` command and its subcommands. */
export function coordinatorCommand(io: Output): Command {
  const coordinator = new Command('coordinator').description('run a federation coordinator: sites, lineages and rounds');

  storeOptions(
    coordinator
      .command('init')
      .description("create the coordinator's key (if new) and a federation; prints the public key sites pin")
      .requiredOption('--federation <id>', 'the federation id')
      .option('--description <text>', 'what the federation is for', ''),
  ).action((opts: CoordinatorStoreOptions & { federation: string; description: string }) =>
    withCoordinator(opts, 'init', async (c, publicKey) => {
      await c.createFederation(opts.federation, opts.description);
      io.out(`Federation ${opts.federation} is ready.`);
      io.out(`Coordinator public key: ${publicKey}`);
    }),
  );

  storeOptions(
    coordinator
      .command('add-site <siteId>')
      .description('register a site by its Ed25519 public key (`sangam site key` prints it)')
      .requiredOption('--federation <id>', 'the federation id')
      .requiredOption('--public-key <key>', "the site's raw Ed25519 public key, base64"),
  ).action((siteId: string, opts: CoordinatorStoreOptions & { federation: string; publicKey: string }) =>
    withCoordinator(opts, 'add-site', async (c) => {
      await c.registerSite(opts.federation, siteId, opts.publicKey);
      io.out(`Site ${siteId} registered in federation ${opts.federation}.`);
    }),
  );

  storeOptions(
    coordinator
      .command('add-lineage')
      .description('start a lineage from a shipped model: version 0 is its weights; each round publishes a signed ONNX version')
      .requiredOption('--federation <id>', 'the federation id')
      .requiredOption('--model <name>', 'a shipped model under models/ (e.g. response-synthetic)')
      .option('--model-version <n>', 'the shipped version (default: the highest)')
      .option('--lineage <id>', 'the lineage id (default: the model name)'),
  ).action((opts: CoordinatorStoreOptions & { federation: string; model: string; modelVersion?: string; lineage?: string }) =>
    withCoordinator(opts, 'add-lineage', async (c) => {
      const shipped = readShippedModel(opts.model, opts.modelVersion ? { version: opts.modelVersion } : {});
      const lineageId = opts.lineage ?? opts.model;
      const { manifest, model } = await createLineageFromModel(c, { federationId: opts.federation, lineageId, model: shipped });
      io.out(`Lineage ${lineageId} starts from ${shipped.card.name}@${shipped.card.version}: ${manifest.parameterCount} parameters (${model.name}), version 0.`);
    }),
  );

  roundOptions(
    storeOptions(
      coordinator
        .command('open-round')
        .description('open one round of a lineage now; sites pick it up when they next poll')
        .requiredOption('--federation <id>', 'the federation id')
        .requiredOption('--lineage <id>', 'the lineage to train')
        .option('--round-id <id>', 'the round id (default: a new UUID)'),
    ),
  ).action((opts: OpenRoundFlags) => openRoundCommand(opts, io));

  roundOptions(storeOptions(
    coordinator
      .command('serve')
      .description('run the coordinator until SIGTERM; with --plan or --rounds it opens rounds by itself')
      .option('--port <port>', 'port to listen on (0 for any free port)', intIn(0, 65_535), 7400)
      .option('--host <host>', 'address to bind (default 127.0.0.1)')
      .option('--plan <file>', 'a round plan (JSON: federationId, lineageId, rounds, maxFailures, round)')
      .option('--federation <id>', 'the federation the plan trains (with --rounds)')
      .option('--lineage <id>', 'the lineage the plan trains (with --rounds)')
      .option('--rounds <n>', 'rounds to run', intIn(1, 10_000))
      .option('--max-failures <n>', 'failed rounds after which the plan stops', intIn(0, 1000))
      .addOption(new Option('--tick-ms <ms>', 'how often deadlines and the plan are checked').argParser(intIn(50, 3_600_000)).hideHelp()),
  )).action((opts) => serve(opts, io));

  return coordinator;
}
