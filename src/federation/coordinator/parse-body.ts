/** Body validation at the federation edge: a schema failure is WRONG_SHAPE naming each bad field. */
import type { z } from 'zod';
import { reject, RejectReason } from '../protocol/rejections.ts';

/** Parses `json` with `schema` or throws WRONG_SHAPE; `what` names the body in the message. */
export function parseBody<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${[what, ...i.path.map(String)].join('.')}: ${i.message}`)
    .join('; ');
  throw reject(RejectReason.WRONG_SHAPE, `malformed ${what}: ${where}`);
}
