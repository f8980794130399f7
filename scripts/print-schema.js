#!/usr/bin/env node
// Writes the GraphQL SDL to schema/schema.graphql, or with --check fails when the file has drifted.
import { readFileSync, writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { printSdl } = await import('../src/graphql/schema.ts');
const file = new URL('../schema/schema.graphql', import.meta.url);
const sdl = printSdl();
if (process.argv.includes('--check')) {
  const committed = readFileSync(file, 'utf8');
  if (committed !== sdl) {
    console.error('schema/schema.graphql is out of date: run npm run schema:print');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date');
} else {
  writeFileSync(file, sdl);
  console.log('wrote schema/schema.graphql');
}
