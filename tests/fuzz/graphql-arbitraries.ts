import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { Bundle } from '@medplum/fhirtypes';
import { FHIR_BUNDLES, fixture } from '../helpers/fixtures.ts';
import { fhirInput } from './fhir-arbitraries.ts';

/**
 * GraphQL documents generated from the site's own schema by a choice tape: random selections,
 * arguments (often the right type, sometimes not), aliases, fragments and directives, at depths
 * on both sides of the limit; then sometimes cut or spliced at the text level; plus raw junk
 * requests (bodies that are not GraphQL at all).
 */

// the committed SDL (CI keeps it equal to the code), so generation does not depend on resolvers loading
const schema: GraphQLSchema = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));

/** Patient ids from the fixtures, so generated queries reach real records. */
export const FIXTURE_PATIENT_IDS = FHIR_BUNDLES.flatMap((f) => (fixture<Bundle>(f).entry ?? []).filter((e) => e.resource?.resourceType === 'Patient').map((e) => e.resource!.id!));

class Tape {
  private i = 0;
  constructor(private readonly values: readonly number[]) {}
  next(n: number): number {
    if (n <= 1) return 0;
    const v = this.values[this.i++ % this.values.length] ?? 0;
    return v % n;
  }
  chance(percent: number): boolean {
    return this.next(100) < percent;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.next(xs.length)]!;
  }
}

const STRINGS = ['', 'a', 'BRAF', 'KRAS', 'V600E', 's1', 'default', '"quoted"', '\\u0000', '2024-01-01', '1900-02-30', 'x'.repeat(300), '../', '💥'];
const INTS = [0, 1, -1, 5, 100, 1000, 2147483647, -2147483648];
const FLOATS = [0, 0.5, -1.5, 1e300, 34];

function literal(type: GraphQLInputType, tape: Tape, depth: number): string {
  if (tape.chance(5)) return tape.pick(['null', '"wrong"', '42', '[1, 2]', '{a: 1}', 'true', 'ENUM_NOPE', '$undeclared']);
  if (depth > 6) return 'null';
  if (isNonNullType(type)) return literal(type.ofType, tape, depth + 1);
  if (isListType(type)) {
    const n = tape.next(4);
    return `[${Array.from({ length: n }, () => literal(type.ofType, tape, depth + 1)).join(', ')}]`;
  }
  if (isEnumType(type)) return tape.pick(type.getValues()).name;
  if (isInputObjectType(type)) {
    if (depth > 4) return '{}';
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || tape.chance(50));
    return `{ ${fields.map((f) => `${f.name}: ${literal(f.type, tape, depth + 1)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return JSON.stringify(tape.chance(70) ? tape.pick(FIXTURE_PATIENT_IDS) : tape.pick(STRINGS));
      case 'Int':
        return String(tape.pick(INTS));
      case 'Float':
        return String(tape.pick(FLOATS));
      case 'Boolean':
        return tape.pick(['true', 'false']);
      case 'JSON':
        return tape.pick(['{}', '{resourceType: "Patient", id: "p"}', '[]', '"x"', '{resourceType: "Bundle", type: "collection", entry: []}']);
      default:
        return JSON.stringify(tape.pick(STRINGS));
    }
  }
  return 'null';
}

function selection(type: GraphQLObjectType, tape: Tape, depth: number, maxDepth: number, fragments: string[]): string {
  const fields = Object.values(type.getFields());
  const count = 1 + tape.next(4);
  const parts: string[] = [];
  if (tape.chance(10)) parts.push('__typename');
  for (let i = 0; i < count; i++) {
    const f: GraphQLField<unknown, unknown> = tape.pick(fields);
    const alias = tape.chance(15) ? `a${tape.next(30)}: ` : '';
    const args = f.args.filter((a) => isNonNullType(a.type) ? !tape.chance(3) : tape.chance(40));
    const argText = args.length > 0 ? `(${args.map((a) => `${a.name}: ${literal(a.type, tape, 0)}`).join(', ')})` : '';
    const directive = tape.chance(8) ? tape.pick([' @include(if: true)', ' @skip(if: false)', ' @skip(if: $flag)', ' @deprecated', ' @include']) : '';
    const named = getNamedType(f.type);
    let sub = '';
    if (isObjectType(named)) {
      sub = depth >= maxDepth ? (tape.chance(30) ? '' : ' { __typename }') : ` { ${selection(named, tape, depth + 1, maxDepth, fragments)} }`;
    } else if (isInterfaceType(named) || isUnionType(named)) {
      const impls = schema.getPossibleTypes(named);
      const impl = tape.pick(impls);
      sub = ` { __typename ... on ${impl.name} { ${depth >= maxDepth ? '__typename' : selection(impl, tape, depth + 1, maxDepth, fragments)} } }`;
    } else if (tape.chance(3)) {
      sub = ' { nope }';
    }
    parts.push(`${alias}${f.name}${argText}${directive}${sub}`);
  }
  if (tape.chance(8) && fragments.length < 3 && depth < maxDepth) {
    // the slot is taken before recursing, so nested fragments stop at three
    const slot = fragments.push('') - 1;
    fragments[slot] = `fragment F${slot} on ${type.name} { ${selection(type, tape, depth + 1, maxDepth, fragments)} }`;
    parts.push(`...F${slot}`);
  }
  return parts.join(' ');
}

/** A document built from the schema; about one in eight goes past the depth limit. */
const schemaDocument = fc.record({ tape: fc.array(fc.nat(), { minLength: 20, maxLength: 200 }), op: fc.constantFrom('query', 'query', 'query', 'mutation'), maxDepth: fc.integer({ min: 1, max: 13 }) }).map(({ tape, op, maxDepth }) => {
  const t = new Tape(tape);
  const root = op === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  const fragments: string[] = [];
  const body = selection(root, t, 1, maxDepth, fragments);
  const vars = t.chance(20) ? '($flag: Boolean)' : '';
  return [`${op}${vars} { ${body} }`, ...fragments].join('\n');
});

/** Text-level damage: cut, duplicate a span, or splice in a punctuator. */
const damaged = fc.tuple(schemaDocument, fc.nat(), fc.nat(), fc.constantFrom('', '{', '}', '(', ')', '...', '@', '$', '"', '#', ':', '!', '[', '"""', '\u0000', 'query ', 'fragment F on Query { F }'))
  .map(([doc, at, len, ins]) => {
    const i = at % (doc.length + 1);
    return doc.slice(0, i) + ins + doc.slice(i + (len % 5));
  });

/** A mutation that imports a fuzzed FHIR input through GraphQL. */
const importMutation = fhirInput.map((bundle) => ({ query: 'mutation($b: JSON!) { importFhirBundle(bundle: $b) { importId entries { resourceType id outcome } warnings { message } } }', variables: { b: bundle } }));

export interface GraphqlRequest {
  method: 'POST' | 'GET';
  /** a JSON body object, or raw text when the body is not JSON */
  body: unknown;
  contentType?: string;
}

const junkBody = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.record({ query: fc.oneof(fc.string({ maxLength: 100 }), fc.jsonValue({ maxDepth: 1 })), variables: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string()), operationName: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null)) }, { requiredKeys: [] }),
  fc.constantFrom({ query: '{ __schema { types { name } } }' }, { query: 'subscription { x }' }, { query: '{ a } { b }' }, { query: 'query A { __typename } query B { __typename }' }, { query: 'query A { __typename } query B { __typename }', operationName: 'C' }, { query: `{ ${'a: __typename '.repeat(20)} }` }, { query: `${'{ __typename '.repeat(3)}` }),
);

export const graphqlRequest: fc.Arbitrary<GraphqlRequest> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ method: fc.constant('POST' as const), body: schemaDocument.map((query) => ({ query, variables: { flag: true } })) }) },
  { weight: 2, arbitrary: fc.record({ method: fc.constant('POST' as const), body: damaged.map((query) => ({ query })) }) },
  { weight: 1, arbitrary: fc.record({ method: fc.constant('POST' as const), body: importMutation }) },
  { weight: 1, arbitrary: fc.record({ method: fc.constant('GET' as const), body: schemaDocument.filter((q) => q.startsWith('query')).map((query) => ({ query })) }) },
  { weight: 1, arbitrary: fc.record({ method: fc.constant('POST' as const), body: junkBody, contentType: fc.constantFrom('application/json', 'application/graphql+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=z') }) },
);
