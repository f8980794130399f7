/**
 * A Map that holds at most `limit` entries: adding one more drops the oldest insertion. Enough for
 * caches whose entries are keyed by a version (a stale entry is never hit, only aged out).
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.limit) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
