import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError } from '../config/config.ts';
import { auditVerifyCliCommand } from './audit-command.ts';
import { cohortGenerateCommand, intIn } from './cohort-command.ts';
import { importFhirCommand, printError, serveCommand, syncCommand, type Output } from './commands.ts';
import { importVcfCommand } from './vcf-command.ts';
import { modelsRollbackCommand } from './models-command.ts';
import { simulateCommand } from './simulate-command.ts';
import { importTilesCommand } from './tiles-command.ts';
import { coordinatorCommand } from './coordinator-command.ts';
import { federationCommand } from './federation-command.ts';
import { participantOptions, siteCommand } from './site-command.ts';

const io: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const urlOption = () => new Option('--url <url>', 'a running site to send the work to (its base URL)');
const dataDirOption = () => new Option('--data-dir <dir>', 'embedded store directory (default ./.sangam, or SANGAM_DATA_DIR)');
const databaseUrlOption = () => new Option('--database-url <url>', 'a PostgreSQL server instead of the embedded store (or DATABASE_URL)');

/** Builds the `sangam` command line. */
export function buildCli(): Command {
  const program = new Command('sangam')
    .description('Sangam site node: oncology decision support with federated learning')
    .version((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version)
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('run a site node (GraphQL, FHIR import, health)')
    .option('--port <port>', 'port to listen on (default 4000, or PORT)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .option('--demo', 'seed the example records and a demo site cohort when the store is empty')
    .action((opts) => serveCommand(opts, io));
  // `serve --coordinator URL`: the federation participant inside a serving site
  participantOptions(program.commands.find((c) => c.name() === 'serve')!.option('--coordinator <url>', 'take part in a federation run by this coordinator (with --federation, --site, --coordinator-key, --model)'));

  const importCmd = program.command('import').description('import data into a site');
  importCmd
    .command('fhir <path>')
    .description('import a FHIR Bundle or resource file, or every .json file in a directory (each file all or nothing)')
    .addOption(urlOption())
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (path: string, opts) => {
      process.exitCode = (await importFhirCommand(path, opts, io)) > 0 ? 1 : 0;
    });

  importCmd
    .command('vcf <file>')
    .description("import a patient's somatic VCF (plain or bgzip; VEP CSQ, snpEff ANN or unannotated), all or nothing")
    .requiredOption('--patient <id>', 'the FHIR Patient id at this site')
    .option('--specimen <id>', 'the specimen the calls came from (a re-import of the same specimen replaces it)')
    .option('--build <build>', 'GRCh37 or GRCh38, when the header does not say')
    .option('--tumor-sample <name>', 'the tumour column, when the header does not say')
    .option('--min-depth <n>', 'drop calls with a lower tumour depth', intIn(0, 1_000_000))
    .option('--min-vaf <x>', 'drop calls with a lower tumour allele fraction (0-1)', parseFloat)
    .option('--tmb-method <method>', 'coding_and_silent (default), coding_non_silent or missense_only')
    .option('--tmb-target-mb <mb>', 'effective coding target size in Mb (default 34)', parseFloat)
    .addOption(urlOption())
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((file: string, opts) => importVcfCommand(file, opts, io));

  importCmd
    .command('tiles <dir>')
    .description("import a slide's H&E tiles (PNG, JPEG, TIFF): QC, Macenko normalisation and embeddings; an unreadable file rejects the batch")
    .requiredOption('--patient <id>', 'the FHIR Patient id at this site')
    .requiredOption('--slide <id>', 'the slide the tiles come from (later imports add to it)')
    .addOption(urlOption())
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((dir: string, opts) => importTilesCommand(dir, opts, io));

  program
    .command('sync')
    .description("pull patients' records from an EHR's FHIR R4 server")
    .requiredOption('--fhir-url <url>', 'the EHR FHIR base URL')
    .option('--patient <id>', 'one patient id (default: every patient on the server)')
    .option('--page-size <n>', 'search page size (default 100)')
    .option('--token <token>', 'a bearer token for the EHR server')
    .addOption(urlOption())
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (opts) => {
      process.exitCode = (await syncCommand(opts, io)) > 0 ? 1 : 0;
    });
  const cohort = program.command('cohort').description('synthetic multi-site cohorts with known ground truth');
  cohort
    .command('generate')
    .description('write FHIR Bundles, VCFs and H&E tiles for several synthetic hospital sites, and truth.json')
    .requiredOption('--out <dir>', 'output directory (must be new or empty)')
    .option('--sites <n>', 'number of sites', intIn(1, 64), 4)
    .option('--patients-per-site <n>', 'patients per site (scaled by each profile\'s size factor)', intIn(1, 100_000), 200)
    .option('--tiles-per-slide <n>', 'tiles per H&E slide (0 for none)', intIn(0, 2304), 16)
    .option('--seed <n>', 'random seed; the same seed gives the same files', intIn(0, 2 ** 31 - 1), 1)
    .option('--profiles <list>', 'comma-separated built-in profile ids or profile .json files (default: all built-in)')
    .action(async (opts) => {
      process.exitCode = await cohortGenerateCommand(opts, io);
    });
  const models = program.command('models').description('the model versions this site serves');
  models
    .command('rollback <name>')
    .description('serve the previous version of a model again and take the current one out of service')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((name: string, opts) => modelsRollbackCommand(name, opts, io));

  const audit = program.command('audit').description("the site's tamper-evident audit log");
  audit
    .command('verify')
    .description('check the hash chain of the audit log; reports the first altered, inserted or deleted row')
    .option('--anchor <seq:sha256>', 'a head printed by an earlier verify, kept outside the database (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (opts) => {
      process.exitCode = await auditVerifyCliCommand(opts, io);
    });
  program.addCommand(coordinatorCommand(io));
  program.addCommand(siteCommand(io));
  program.addCommand(federationCommand(io));
  program
    .command('federate')
    .description('federated training in one process, for benchmarks and reproduction')
    .command('simulate')
    .description("run a whole federation on FLamby's Fed-TCGA-BRCA or Fed-Heart-Disease, or the synthetic cohort; every option defaults to the reported setting")
    .requiredOption('--dataset <name>', 'tcga-brca, heart or synthetic')
    .option('--strategy <name>', 'fedavg, fedprox, fedadagrad, fedadam, fedyogi, median or trimmed-mean')
    .option('--rounds <n>')
    .option('--local-steps <k>')
    .option('--batch <b>')
    .option('--lr <x>', 'client learning rate')
    .option('--server-lr <y>', 'server learning rate (FedOpt)')
    .option('--mu <m>', 'FedProx proximal weight')
    .option('--seed <s>')
    .option('--dp-epsilon <e>', 'per-patient DP-SGD at every site with this ε target (heart, synthetic)')
    .option('--dp-delta <d>')
    .option('--secagg', 'aggregate through secure aggregation')
    .option('--transport <t>', 'inproc (the only one for simulations)', 'inproc')
    .option('--json', 'print the result object as the last line')
    .action((opts) => simulateCommand(opts, io));
  return program;
}

/** Runs the CLI with `argv` and sets the exit code. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return;
    if (code?.startsWith('commander.')) {
      process.exitCode = 2;
      return;
    }
    printError(io, err instanceof ConfigError ? 'configuration: ' : 'error: ', err);
    process.exitCode = 1;
  }
}
