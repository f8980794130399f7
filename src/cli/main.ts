import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError } from '../config/config.ts';
import { auditVerifyCliCommand } from './audit-command.ts';
import { authTokenCommand, registerClientCommand, removeClientCommand } from './auth-command.ts';
import { outcomesRecordCommand, reportEquityCommand, therapySuggestCommand, trialsEligibleCommand, trialsMatchCommand, trialsRegisterCommand } from './decision-commands.ts';
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
    .option('--client-id <id>', 'SMART Backend Services: this site\'s client_id at the EHR (the token is then obtained and renewed here)')
    .option('--private-key <file>', 'SMART Backend Services: the private JWK (RS384 or ES384, with its kid) registered with the EHR')
    .option('--scope <scopes>', 'SMART Backend Services: scopes to ask for (default "system/*.rs")')
    .option('--token-url <url>', "SMART Backend Services: the EHR's token endpoint (default: from its .well-known/smart-configuration)")
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
  const report = program.command('report').description("the site's reports");
  report
    .command('equity')
    .description("current models' metrics per population group, sex, age band and cancer type, and each group's representation")
    .option('--as-of <time>', 'labels and consent as of this date or time (default now)')
    .option('--min-subgroup <n>', 'suppress the metrics of smaller groups (default 20)')
    .option('--svg <file>', 'also write the chart as SVG')
    .option('--png <file>', 'also write the chart as PNG')
    .option('--json', 'print the report as JSON instead of a table')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((opts) => reportEquityCommand(opts, io));
  program
    .command('therapy')
    .description('therapy suggestions with CIViC evidence')
    .command('suggest <patientId>')
    .description("tiered suggestions for a patient's stored variants, ranked with the response model, with resistance warnings")
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((patientId: string, opts) => therapySuggestCommand(patientId, opts, io));
  const trials = program.command('trials').description('the trial registry and matching, both ways');
  trials
    .command('register')
    .description('register (or replace) a trial from a FHIR ResearchStudy and/or a CTML-like eligibility document')
    .option('--research-study <file>', 'a FHIR ResearchStudy (JSON)')
    .option('--eligibility <file>', 'a CTML-like eligibility document (JSON)')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((opts) => trialsRegisterCommand(opts, io));
  trials
    .command('match <patientId>')
    .description("the registered trials for one patient, criterion by criterion (MET, NOT_MET, UNKNOWN)")
    .option('--all', 'also list trials the patient is not eligible for')
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((patientId: string, opts) => trialsMatchCommand(patientId, opts, io));
  trials
    .command('eligible <trialId>')
    .description("a trial's eligible patients as a trial matcher sees them: pseudonyms, counts below 11 suppressed, representation")
    .requiredOption('--matcher <clientId>', 'the trial matcher (its OAuth client id) the pseudonyms are keyed to')
    .option('--first <n>', 'page size, at most 500 (default 100)')
    .option('--after <cursor>', 'the cursor a previous page printed')
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((trialId: string, opts) => trialsEligibleCommand(trialId, opts, io));
  program
    .command('outcomes')
    .description('treatment outcomes, the labels of the next federated round')
    .command('record <file>')
    .description('record one line of therapy from a JSON file shaped like the GraphQL OutcomeInput; impossible timelines are refused')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((file: string, opts) => outcomesRecordCommand(file, opts, io));
  const auth = program.command('auth').description("the site's own tokens, for local use and tests");
  auth
    .command('token')
    .description("print a short-lived access token signed by the site's key (only the token goes to stdout)")
    .requiredOption('--role <role>', 'ehr, clinician, trial-matcher, lab, coordinator or admin')
    .option('--patient <id>', 'a patient-context token, held to this one patient')
    .option('--scopes <scopes>', "SMART scopes (default: the role's)")
    .option('--ttl <seconds>', 'lifetime, at most 3600 (default 900)')
    .option('--url <url>', "the site's address, when its data directory does not record it")
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((opts) => authTokenCommand(opts, io));
  auth
    .command('register-client')
    .description('register a SMART Backend Services client (an EHR, lab or trial matcher) by its public keys')
    .requiredOption('--client-id <id>', 'the client_id it will use in its assertions')
    .requiredOption('--role <role>', 'ehr, clinician, trial-matcher, lab, coordinator or admin')
    .requiredOption('--scopes <scopes>', 'the most it may be granted, e.g. "system/Patient.rs system/Observation.rs"')
    .option('--jwks-uri <url>', 'where its public JWK Set is published (https; loopback http for tests)')
    .option('--jwks <file>', 'its public JWK Set as a file')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((opts) => registerClientCommand(opts, io));
  auth
    .command('remove-client <clientId>')
    .description('remove a registered client: it can get no new token')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action((clientId: string, opts) => removeClientCommand(clientId, opts, io));
  program.addCommand(coordinatorCommand(io));
  program.addCommand(siteCommand(io));
  program.addCommand(federationCommand(io));
  program
    .command('federate')
    .description('federated training simulations, for benchmarks and reproduction')
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
    .option('--l2 <lambda>', 'L2 weight decay on local steps (default per dataset, chosen by cross-validation: 0)')
    .option('--seed <s>')
    .option('--dp-epsilon <e>', 'per-patient DP-SGD at every site with this ε target (heart, synthetic)')
    .option('--dp-delta <d>')
    .option('--secagg', 'aggregate through secure aggregation')
    .option('--transport <t>', 'inproc (one process) or http (a coordinator and site participants over loopback HTTP, signed envelopes)', 'inproc')
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
