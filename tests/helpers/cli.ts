import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { openDatabase } from '../../src/storage/open-database.ts';

const run = promisify(execFile);

/** The Patient ids stored in a PGlite data directory (no site may hold it). */
export async function patientIds(dataDir: string): Promise<string[]> {
  const db = await openDatabase({ dataDir });
  try {
    const r = await db.query<{ id: string }>("SELECT id FROM fhir_resource WHERE resource_type = 'Patient' ORDER BY id");
    return r.rows.map((x) => x.id);
  } finally {
    await db.close();
  }
}
const BIN = new URL('../../bin/sangam.js', import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `sangam` command in a child process. DATABASE_URL is cleared so the CLI works on
 * the embedded store these tests point it at.
 */
export async function sangam(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const env = { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', ...extraEnv };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A `sangam serve` child process, started and waited on until it prints its GraphQL URL. */
export interface ServeProcess {
  url: string;
  /** everything it printed on stdout so far */
  output(): string;
  /** sends SIGTERM and resolves with the exit code */
  stop(): Promise<number | null>;
}

export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' } });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /GraphQL: +(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
  });
  return {
    url,
    output: () => out,
    stop: () => {
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** A maker of temporary directories that are removed when the test file ends. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
