import { parseAuditAnchor, auditVerifyCommand } from '../audit/verify-command.ts';
import { loadConfig } from '../config/config.ts';
import { acquireLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';
import type { Output } from './commands.ts';

export interface AuditVerifyOptions {
  dataDir?: string;
  databaseUrl?: string;
  anchor?: string[];
}

/**
 * `sangam audit verify`: walks the hash chain of the audit log and reports the first row that was
 * altered, inserted or deleted; returns the exit code (0 intact and guarded by its triggers).
 */
export async function auditVerifyCliCommand(options: AuditVerifyOptions, io: Output): Promise<number> {
  const anchors = (options.anchor ?? []).map(parseAuditAnchor);
  const config = loadConfig(process.env, { dataDir: options.dataDir, databaseUrl: options.databaseUrl, logLevel: 'warn' });
  // the embedded store has one owner at a time; a running site must be stopped to verify its log offline
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  try {
    const db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
    try {
      const report = await auditVerifyCommand(db, anchors);
      for (const line of report.lines) (report.exitCode === 0 ? io.out : io.err)(line);
      return report.exitCode;
    } finally {
      await db.close();
    }
  } finally {
    lock?.release();
  }
}
