import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
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
