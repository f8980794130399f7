import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentSizes } from '../../src/pathology/connected-components.ts';

function mask(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length;
  return { mask: Uint8Array.from(rows.join(''), (ch) => (ch === '#' ? 1 : 0)), width, height: rows.length };
}

test('8-connected: diagonal neighbours join, gaps separate', () => {
  const m = mask([
    '#..##', //
    '.#..#',
    '..#..',
    '.....',
    '##..#',
  ]);
  // The diagonal (0,0)–(1,1)–(2,2) is one component only with 8-connectivity; it does not touch the hook
  // at the top right. Components: diagonal 3, hook 3, bottom-left pair 2, lone pixel 1.
  assert.deepEqual(componentSizes(m.mask, m.width, m.height).sort((a, b) => a - b), [1, 2, 3, 3]);
});

test('a U shape whose arms meet only at the bottom is one component, found in one scan', () => {
  // The two arms start as separate trees and are merged when the scan reaches the bottom row.
  const m = mask([
    '#...#', //
    '#...#',
    '#...#',
    '#####',
  ]);
  assert.deepEqual(componentSizes(m.mask, m.width, m.height), [11]);
  // a north-east diagonal link
  const ne = mask(['..#', '.#.', '#..']);
  assert.deepEqual(componentSizes(ne.mask, ne.width, ne.height), [3]);
  assert.deepEqual(componentSizes(new Uint8Array(9), 3, 3), []);
});
