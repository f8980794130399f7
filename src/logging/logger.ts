import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** where to write (tests capture logs to check them for PHI); stderr by default */
  destination?: NodeJS.WritableStream;
}

/**
 * Structured logs: a fixed message plus fields. Callers log resource ids, never names,
 * birth dates or identifiers.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination(2);
  return pino({ level: options.level ?? 'info', base: { service: 'sangam' } }, destination);
}
