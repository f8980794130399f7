import fc from 'fast-check';
import { cdsHooksSurface } from './surfaces.ts';
const target = await cdsHooksSurface.open();
const seen = new Map<string, { n: number; input: string }>();
for (const c of fc.sample(cdsHooksSurface.arbitrary, { numRuns: Number(process.argv[2] ?? 1000), seed: Number(process.argv[3] ?? 3) })) {
  const v = await target.run(c);
  if (v.kind === 'accepted' || v.kind === 'refused') continue;
  const key = `${v.kind}: ${('detail' in v ? v.detail : '').slice(0, 90)} | path=${c.path.slice(0, 20)} auth=${c.auth}`;
  const e = seen.get(key) ?? { n: 0, input: cdsHooksSurface.describe!(c).slice(0, 300) };
  e.n++; seen.set(key, e);
}
await target.close();
for (const [k, v] of seen) console.log(v.n, k, '\n    ', v.input);
