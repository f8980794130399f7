import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a running server writes into the data directory it holds. */
export interface LockInfo {
  pid: number;
  /** the server's base URL, so CLI commands can go through its API instead */
  url?: string;
}

const LOCK_FILE = 'sangam.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of a data directory, if any (a lock left by a dead process does not count). */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo;
    return typeof info.pid === 'number' && info.pid !== process.pid && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data directory for this process. PGlite allows one process per directory, so a second
 * process is refused with the holder's URL.
 */
export function acquireLock(dataDir: string): { update(info: Partial<LockInfo>): void; release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const holder = readLock(dataDir);
  if (holder) {
    throw new Error(
      `data directory ${dataDir} is in use by process ${holder.pid}${holder.url ? ` serving ${holder.url}; pass --url ${holder.url}` : ''}`,
    );
  }
  const path = join(dataDir, LOCK_FILE);
  let info: LockInfo = { pid: process.pid };
  writeFileSync(path, JSON.stringify(info));
  return {
    update(more) {
      info = { ...info, ...more };
      writeFileSync(path, JSON.stringify(info));
    },
    release() {
      rmSync(path, { force: true });
    },
  };
}
