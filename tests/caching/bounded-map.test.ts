import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMap } from '../../src/caching/bounded-map.ts';

describe('BoundedMap', () => {
  it('drops the oldest insertion past its limit, and replacing a key does not count as adding one', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    m.set('a', 10); // a replacement: nothing is dropped
    assert.deepEqual([...m.entries()], [['a', 10], ['b', 2]]);
    m.set('c', 3);
    assert.deepEqual([...m.keys()], ['b', 'c']);
    assert.equal(m.size, 2);
  });
});
