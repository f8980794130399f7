import { isDomainError, type DomainError } from '../errors/domain-error.ts';

/** The DomainError behind a GraphQL error (graphql-js wraps what a resolver threw in `originalError`). */
export function findDomainError(err: unknown): DomainError | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur; i++) {
    if (isDomainError(cur)) return cur;
    cur = (cur as { originalError?: unknown }).originalError;
  }
  return undefined;
}
