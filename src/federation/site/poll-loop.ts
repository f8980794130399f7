/**
 * Keeps a site participant polling: right away after work was done (the next secure-aggregation
 * step is usually ready), every `intervalMs` when idle, and with a growing back-off while the
 * coordinator cannot be reached, so a coordinator restart is ridden out without an operator.
 */
import type { Logger } from '../../logging/logger.ts';
import { isDomainError } from '../../errors/domain-error.ts';
import type { PollOutcome, SiteParticipant } from './participant.ts';

export interface PollLoopOptions {
  /** pause between polls when there is nothing to do; default 30 s */
  intervalMs?: number;
  /** longest pause after repeated failures; default 5 min */
  maxBackoffMs?: number;
  logger?: Logger;
  /** called after each poll (the CLI prints progress; `sangam serve` can fetch and roll out the new version) */
  onOutcome?: (outcome: PollOutcome) => void | Promise<void>;
}

/** Starts polling in the background; the returned function stops it and resolves once the current poll ends. */
export function startPolling(participant: SiteParticipant, options: PollLoopOptions = {}): () => Promise<void> {
  const interval = options.intervalMs ?? 30_000;
  const maxBackoff = options.maxBackoffMs ?? 300_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      let delay = interval;
      try {
        const outcome = await participant.pollOnce();
        failures = 0;
        await options.onOutcome?.(outcome);
        if (outcome.kind !== 'idle' && outcome.kind !== 'waiting') delay = 0;
      } catch (err) {
        failures++;
        delay = Math.min(maxBackoff, interval * 2 ** Math.min(failures, 10));
        // domain errors are expected (refusals, an unreachable coordinator); anything else is logged whole
        if (isDomainError(err)) options.logger?.warn({ code: err.code, reason: (err as { reason?: string }).reason, message: err.message }, 'federation poll failed');
        else options.logger?.error({ err }, 'federation poll failed unexpectedly');
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
    }
  })();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    wake?.();
    await loop;
  };
}
