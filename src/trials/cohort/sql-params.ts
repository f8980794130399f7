/**
 * Collects the parameters of a generated statement and names each `$n::type`. A compiled node
 * registers the parameters of both its `met` and `notMet` forms while a statement may use only
 * one, and PostgreSQL refuses a parameter it cannot see (it cannot infer its type), so `bind`
 * renumbers the placeholders a statement actually uses and keeps only their values.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder with a cast, so PGlite and PostgreSQL infer the same type. */
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }

  /** The statement with its placeholders renumbered from $1 in order of use, and their values. */
  bind(sql: string): { sql: string; values: unknown[] } {
    const renumbered = new Map<number, number>();
    const values: unknown[] = [];
    const out = sql.replace(/\$(\d+)::/g, (_, n: string) => {
      const old = Number(n);
      let now = renumbered.get(old);
      if (now === undefined) {
        values.push(this.values[old - 1]);
        now = values.length;
        renumbered.set(old, now);
      }
      return `$${now}::`;
    });
    return { sql: out, values };
  }
}
