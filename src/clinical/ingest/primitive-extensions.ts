/**
 * The shape of primitive extensions (`_gender`, `_given`), checked before the FHIR validator sees
 * them: @medplum/core merges `_x` into `x` and throws a plain Error (`Primitive extension must be
 * an object`) or a TypeError when `_x` is not an object, instead of reporting an issue.
 *
 * FHIR R4 JSON, representing primitive elements: https://hl7.org/fhir/R4/json.html#primitive
 */

/** A problem found, located under the root it was searched from. */
export interface ShapeIssue {
  expression: string;
  message: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Finds every `_x` that is neither an object (for a single value) nor an array of objects or nulls
 * (for a repeating element, one per value of `x`). Iterative; the JSON depth is already bounded.
 */
export function findBadPrimitiveExtensions(resource: unknown, root: string): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  const stack: { node: unknown; path: string }[] = [{ node: resource, path: root }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown; path: string };
    if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push({ node: child, path: `${path}[${i}]` }));
      continue;
    }
    if (!isPlainObject(node)) continue;
    for (const [key, value] of Object.entries(node)) {
      const at = `${path}.${key}`;
      // null is left to the validator, which reports it as an invalid null value
      if (key.length > 1 && key.startsWith('_') && value !== null) {
        const issue = checkExtensionShape(value, node[key.slice(1)]);
        if (issue) {
          issues.push({ expression: `${at}${issue.suffix}`, message: issue.message });
          continue;
        }
      }
      stack.push({ node: value, path: at });
    }
  }
  return issues;
}

function checkExtensionShape(ext: unknown, primitive: unknown): { suffix: string; message: string } | undefined {
  if (isPlainObject(ext)) return undefined;
  if (!Array.isArray(ext)) return { suffix: '', message: `a primitive extension must be an object, not ${describe(ext)}` };
  if (primitive !== undefined && !Array.isArray(primitive)) {
    return { suffix: '', message: 'a primitive extension must be an object, not an array, when its element has a single value' };
  }
  const bad = ext.findIndex((item) => item !== null && !isPlainObject(item));
  if (bad >= 0) return { suffix: `[${bad}]`, message: `each item of a repeating primitive extension must be an object or null, not ${describe(ext[bad])}` };
  return undefined;
}

function describe(v: unknown): string {
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}
