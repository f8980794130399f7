import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { createGraphqlLimitPlugins } from '../../src/http-hardening/graphql-limits.ts';

/** A tiny recursive schema that counts how often a resolver ran. */
function buildYoga(limits: Parameters<typeof createGraphqlLimitPlugins>[0] = {}) {
  let resolved = 0;
  const schema = createSchema({
    typeDefs: 'type Query { node: Node } type Node { id: ID, name: String, child: Node }',
    resolvers: {
      Query: { node: () => (resolved++, { id: '1', name: 'n' }) },
      Node: { child: () => ({ id: '2', name: 'c' }) },
    },
  });
  const yoga = createYoga({ schema, plugins: createGraphqlLimitPlugins(limits), logging: false });
  const post = async (query: string, accept = 'application/graphql-response+json') => {
    const res = await yoga.fetch('http://local/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  };
  return { post, resolved: () => resolved };
}

const nested = (levels: number) => `{ node ${'{ child '.repeat(levels - 2)}{ id }${' }'.repeat(levels - 2)} }`;

describe('GraphQL limits', () => {
  it('lets an ordinary query and the full introspection query through', async () => {
    const y = buildYoga();
    const ok = await y.post(nested(10));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.errors, undefined);
    const intro = await y.post(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
    assert.equal(intro.status, 200);
    assert.equal(intro.body.errors, undefined);
  });

  const cases: [string, string, RegExp, Parameters<typeof createGraphqlLimitPlugins>[0]?][] = [
    ['maxDepth', nested(11), /depth limit of 10 exceeded, found 11/],
    ['maxAliases', `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: node { id }`).join(' ')} }`, /Aliases limit of 15 exceeded, found 16/],
    ['maxDirectives', `{ node { ${'id @include(if: true) '.repeat(21)} } }`, /Directives limit of 20 exceeded, found 21/],
    // 14 aliased subtrees of depth 10 pass the depth and alias limits; armor's model costs them at ~4704
    ['maxCost', `{ ${Array.from({ length: 14 }, (_, i) => `a${i}: node ${'{ id name child '.repeat(8)}{ id }${' }'.repeat(8)}`).join(' ')} }`, /Query Cost limit of 4000 exceeded, found 4703\.8/, { maxCost: 4000 }],
  ];
  for (const [limit, query, message, limits] of cases) {
    it(`refuses a document over ${limit} with a 400 validation error and runs nothing`, async () => {
      const y = buildYoga(limits);
      const res = await y.post(query);
      assert.equal(res.status, 400);
      assert.equal(res.body.errors?.length, 1);
      assert.match(res.body.errors![0]!.message, message);
      assert.equal(res.body.errors![0]!.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(res.body.errors![0]!.extensions?.limit, limit);
      assert.equal(y.resolved(), 0);
    });
  }

  it('refuses a document over the token limit while parsing', async () => {
    const y = buildYoga();
    const res = await y.post(`{ node { ${'id '.repeat(2000)} } }`);
    assert.equal(res.status, 400);
    assert.match(res.body.errors![0]!.message, /Token limit of 2000 exceeded/);
    assert.equal(res.body.errors![0]!.extensions?.code, 'GRAPHQL_PARSE_FAILED');
    assert.equal(y.resolved(), 0);
  });

  it('answers 200 with errors to an application/json client, as the GraphQL-over-HTTP spec allows', async () => {
    const res = await buildYoga().post(nested(11), 'application/json');
    assert.equal(res.status, 200);
    assert.match(res.body.errors![0]!.message, /depth limit/);
  });

  it('takes its limits from options, and hides the numbers when asked', async () => {
    const y = buildYoga({ maxDepth: 3, exposeLimits: false });
    assert.equal((await y.post(nested(3))).body.errors, undefined);
    const res = await y.post(nested(4));
    assert.equal(res.status, 400);
    assert.equal(res.body.errors![0]!.message, 'Query validation error.');
  });
});
