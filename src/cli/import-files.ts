import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { badInput } from '../errors/domain-error.ts';

/** The `.json` files under a path (the path itself when it is a file), in a stable order. */
export function listJsonFiles(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw badInput(`no such file or directory: ${path}`);
  if (st.isFile()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const child = join(path, name);
    const cst = lstatSync(child);
    // symbolic links to directories are not followed: they can loop
    if (cst.isDirectory()) out.push(...listJsonFiles(child));
    else if (name.endsWith('.json')) out.push(child);
  }
  return out;
}

/** Reads and parses one file, refusing files over `maxBytes`; errors name the file. */
export function readJsonFile(file: string, maxBytes: number): unknown {
  const size = statSync(file).size;
  if (size > maxBytes) throw badInput(`${file}: ${size} bytes is over the ${maxBytes}-byte limit`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw badInput(`${file}: not valid JSON (${(err as Error).message})`);
  }
}
