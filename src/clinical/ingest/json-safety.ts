/** Deepest nesting accepted in a resource; real FHIR rarely goes past 15. */
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Finds what PostgreSQL's jsonb or a recursive walk would choke on: nesting deeper than `maxDepth`,
 * NUL characters and lone UTF-16 surrogates. Iterative, so hostile depth cannot overflow the stack.
 */
export function findUnsafeJson(value: unknown, root: string, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop() as { node: unknown; path: string; depth: number };
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return `${path}: contains a NUL character`;
      if (LONE_SURROGATE.test(node)) return `${path}: contains an unpaired UTF-16 surrogate`;
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return `${path}: nested deeper than ${maxDepth} levels`;
    if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push({ node: child, path: `${path}[${i}]`, depth: depth + 1 }));
    } else {
      for (const [k, child] of Object.entries(node)) {
        if (k.includes('\u0000') || LONE_SURROGATE.test(k)) return `${path}: a property name is not valid text`;
        stack.push({ node: child, path: `${path}.${k}`, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
