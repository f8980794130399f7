/**
 * SMART clinical scopes, v2 syntax with v1 read/write mapped
 * (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-clinical-data):
 * `context/ResourceType.cruds[?param=value&...]`.
 */
export const SCOPE_CONTEXTS = ['patient', 'user', 'system'] as const;
export type ScopeContext = (typeof SCOPE_CONTEXTS)[number];

/** The v2 permission letters in their required order: create, read, update, delete, search. */
export const INTERACTIONS = ['c', 'r', 'u', 'd', 's'] as const;
export type Interaction = (typeof INTERACTIONS)[number];

export interface SmartScope {
  context: ScopeContext;
  /** a FHIR resource type, or `*` for every type */
  resourceType: string;
  /** the granted letters, in `cruds` order */
  interactions: readonly Interaction[];
  /** a v2 search restriction (`category=...|laboratory`), kept verbatim */
  query?: string;
  /** the scope as it was written, e.g. `patient/Observation.read` */
  original: string;
  version: 1 | 2;
}

/** What an operation needs: one interaction on one resource type in one context. */
export interface ScopeNeed {
  context: ScopeContext;
  /** `*` means every type: only a wildcard grant covers it */
  resourceType: string;
  interaction: Interaction;
}

// v1 suffixes and their v2 meaning (SMART 2 "v1 .read ⇒ v2 .rs, .write ⇒ .cud, .* ⇒ .cruds")
const V1_SUFFIXES: Record<string, readonly Interaction[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

// a letter set that is a non-empty, in-order subsequence of "cruds" ("dus" is refused, per SMART)
const V2_LETTERS = /^c?r?u?d?s?$/;
const RESOURCE_TYPE = /^(\*|[A-Z][A-Za-z]{1,63})$/;
// a search restriction: param=value pairs joined by &; no spaces (scopes are space-separated)
const QUERY = /^[A-Za-z_][A-Za-z0-9_\-.:]*=[^\s&=]+(&[A-Za-z_][A-Za-z0-9_\-.:]*=[^\s&=]+)*$/;

/** Parses one clinical scope; undefined when the text is not one (e.g. `openid`, `launch/patient`, `.sr`). */
export function parseScope(text: string): SmartScope | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const context = text.slice(0, slash);
  if (!(SCOPE_CONTEXTS as readonly string[]).includes(context)) return undefined;
  const rest = text.slice(slash + 1);
  const question = rest.indexOf('?');
  const body = question < 0 ? rest : rest.slice(0, question);
  const query = question < 0 ? undefined : rest.slice(question + 1);
  const dot = body.lastIndexOf('.');
  if (dot < 0) return undefined;
  const resourceType = body.slice(0, dot);
  const suffix = body.slice(dot + 1);
  if (!RESOURCE_TYPE.test(resourceType)) return undefined;
  const base = { context: context as ScopeContext, resourceType, original: text };
  const v1 = V1_SUFFIXES[suffix];
  if (v1) {
    // v1 had no search restrictions; `Observation.read?x=y` is neither version
    if (query !== undefined) return undefined;
    return { ...base, interactions: v1, version: 1 };
  }
  if (suffix.length === 0 || !V2_LETTERS.test(suffix)) return undefined;
  if (query !== undefined && !QUERY.test(query)) return undefined;
  return {
    ...base,
    interactions: INTERACTIONS.filter((l) => suffix.includes(l)),
    version: 2,
    ...(query !== undefined ? { query } : {}),
  };
}

export interface ParsedScopes {
  scopes: SmartScope[];
  /** scope tokens that are not clinical scopes (`openid`, `launch`, malformed ones) */
  other: string[];
}

/** Splits a space-separated `scope` string (RFC 6749 §3.3) into clinical scopes and the rest. */
export function parseScopes(text: string | readonly string[]): ParsedScopes {
  const tokens = typeof text === 'string' ? text.split(' ') : text;
  const scopes: SmartScope[] = [];
  const other: string[] = [];
  for (const token of tokens) {
    if (token.length === 0) continue;
    const scope = parseScope(token);
    if (scope) scopes.push(scope);
    else other.push(token);
  }
  return { scopes, other };
}

/** The v2 text of a scope, e.g. `patient/Observation.rs`. */
export function formatScope(scope: Pick<SmartScope, 'context' | 'resourceType' | 'interactions' | 'query'>): string {
  const letters = INTERACTIONS.filter((l) => scope.interactions.includes(l)).join('');
  return `${scope.context}/${scope.resourceType}.${letters}${scope.query !== undefined ? `?${scope.query}` : ''}`;
}

/**
 * Whether the granted scopes cover a need. A scope with a search restriction covers nothing here:
 * the operations this service exposes (summaries, predictions, imports) cannot apply a FHIR search
 * filter, so honouring `Observation.rs?category=laboratory` as plain `Observation.rs` would widen it.
 */
export function hasScope(granted: readonly SmartScope[], need: ScopeNeed): boolean {
  return granted.some(
    (g) =>
      g.context === need.context &&
      g.query === undefined &&
      (g.resourceType === '*' || g.resourceType === need.resourceType) &&
      g.interactions.includes(need.interaction),
  );
}

/**
 * The part of a requested scope that an allowed scope permits (SMART Backend Services: the server
 * "SHALL mediate the request to assure that the scope requested is within the scope
 * pre-authorized"). Undefined when they share nothing.
 */
export function intersectScope(requested: SmartScope, allowed: SmartScope): SmartScope | undefined {
  if (requested.context !== allowed.context) return undefined;
  let resourceType: string;
  if (allowed.resourceType === '*') resourceType = requested.resourceType;
  else if (requested.resourceType === '*' || requested.resourceType === allowed.resourceType) resourceType = allowed.resourceType;
  else return undefined;
  // a restriction on either side narrows; two different restrictions have no expressible intersection
  if (requested.query !== undefined && allowed.query !== undefined && requested.query !== allowed.query) return undefined;
  const query = requested.query ?? allowed.query;
  const interactions = requested.interactions.filter((l) => allowed.interactions.includes(l));
  if (interactions.length === 0) return undefined;
  const scope = { context: requested.context, resourceType, interactions, ...(query !== undefined ? { query } : {}) };
  const text = formatScope(scope);
  // SMART: "SHOULD return v1 scopes when v1 scopes are requested and granted"
  const unchanged = text === formatScope(requested);
  return { ...scope, original: unchanged ? requested.original : text, version: unchanged ? requested.version : 2 };
}

/** Whether scope `a` grants everything scope `b` grants. */
export function scopeCovers(a: SmartScope, b: SmartScope): boolean {
  return (
    a.context === b.context &&
    (a.resourceType === '*' || a.resourceType === b.resourceType) &&
    (a.query === undefined || a.query === b.query) &&
    b.interactions.every((l) => a.interactions.includes(l))
  );
}

/** Every requested scope narrowed to what the allowed scopes permit, leaving out any that another one covers. */
export function intersectScopes(requested: readonly SmartScope[], allowed: readonly SmartScope[]): SmartScope[] {
  const all: SmartScope[] = [];
  for (const r of requested) {
    for (const a of allowed) {
      const granted = intersectScope(r, a);
      if (granted) all.push(granted);
    }
  }
  // keep the first of equal scopes, and drop one that a broader scope in the answer already covers
  return all.filter(
    (s, i) => !all.some((t, j) => j !== i && scopeCovers(t, s) && (!scopeCovers(s, t) || j < i)),
  );
}
