import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** where to write (tests capture logs to check them for PHI); stderr by default */
  destination?: NodeJS.WritableStream;
}

/**
 * Errors are logged by type, code and stack frames only. A database error's message, `detail`,
 * `where` and `query` can quote the row it failed on (a patient's name, say), so they never reach
 * the log; other errors keep their message, which is written by code, not copied from input.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code;
  const fromDatabase = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
  const frames = (err.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at ')).join('\n');
  return {
    type: err.name,
    ...(code !== undefined ? { code } : {}),
    ...(fromDatabase ? {} : { message: err.message }),
    stack: frames,
    ...(err.cause !== undefined ? { cause: serializeError(err.cause) } : {}),
  };
}

/**
 * Structured logs: a fixed message plus fields. Callers log resource ids, never names,
 * birth dates or identifiers.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination(2);
  return pino({ level: options.level ?? 'info', base: { service: 'sangam' }, serializers: { err: serializeError } }, destination);
}
