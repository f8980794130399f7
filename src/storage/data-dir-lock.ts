import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a running server writes into the data directory it holds. */
export interface LockInfo {
  pid: number;
  /** the server's base URL, so CLI commands can go through its API instead */
  url?: string;
  /** the issuer of the server's own access tokens (the CLI signs local tokens for it) */
  issuer?: string;
  /** tells this holder's lock from a later one taken by the same process */
  token?: string;
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
    return typeof info.pid === 'number' && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data directory for this process. PGlite allows one process per directory, so a second
 * holder (another process, or this one opening it twice) is refused with the holder's URL. The lock
 * file is created exclusively, so two processes starting together cannot both win.
 */
export function acquireLock(dataDir: string): { update(info: Partial<LockInfo>): void; release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  let info: LockInfo = { pid: process.pid, token: randomUUID() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(info), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw err;
      const holder = readLock(dataDir);
      if (holder) {
        throw new Error(
          `data directory ${dataDir} is in use by process ${holder.pid}${holder.url ? ` serving ${holder.url}; pass --url ${holder.url}` : ''}`,
        );
      }
      // a lock left by a process that died (or one being written this instant): clear it and retry
      rmSync(path, { force: true });
    }
  }
  const ours = () => {
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as LockInfo).token === info.token;
    } catch {
      return false;
    }
  };
  return {
    update(more) {
      info = { ...info, ...more };
      if (ours()) writeFileSync(path, JSON.stringify(info));
    },
    release() {
      if (ours()) rmSync(path, { force: true });
    },
  };
}
