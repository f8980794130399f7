import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { badInput } from '../errors/domain-error.ts';
import type { Output } from './commands.ts';
import { progressBar } from './progress-bar.ts';
import { useTarget, type TargetOptions } from './site-target.ts';

export interface TilesCommandOptions extends TargetOptions {
  patient: string;
  slide: string;
}

const TILE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff']);

/** The tile files of a slide directory (not recursive), in name order, and the files that are not tiles. */
export function listTileFiles(dir: string): { tiles: string[]; skipped: string[] } {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) throw badInput(`no such directory: ${dir}`);
  if (!st.isDirectory()) throw badInput(`${dir} is not a directory of tiles`);
  const tiles: string[] = [];
  const skipped: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    (TILE_EXTENSIONS.has(extname(name).toLowerCase()) ? tiles : skipped).push(path);
  }
  return { tiles, skipped };
}

/** `sangam import tiles --patient ID --slide ID DIR`: QC, normalises and embeds a slide's tiles. Errors reach the CLI's one handler, which prints them and exits 1. */
export async function importTilesCommand(dir: string, options: TilesCommandOptions, io: Output): Promise<void> {
  const { tiles, skipped } = listTileFiles(dir);
  if (tiles.length === 0) throw badInput(`${dir} holds no .png, .jpg or .tif files`);
  if (skipped.length > 0) {
    const what = skipped.length === 1 ? '1 file that is not a tile' : `${skipped.length} files that are not tiles`;
    io.out(`skipping ${what} (${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', ...' : ''})`);
  }
  await useTarget(options, io.out, async (target) => {
    const bar = progressBar(`${options.slide}: ${tiles.length} tiles`, tiles.length);
    const results = await target.importTiles(tiles, { patientId: options.patient, slideId: options.slide }, (done) => bar.update(done));
    bar.finish();
    const total = results.reduce((a, r) => a + r.tiles, 0);
    const kept = results.reduce((a, r) => a + r.kept, 0);
    const reasons = new Map<string, number>();
    for (const r of results) for (const x of r.rejected) reasons.set(x.reason, (reasons.get(x.reason) ?? 0) + x.count);
    const rejected = [...reasons].map(([reason, n]) => `${reason} ${n}`).join(', ');
    io.out(`slide ${options.slide} of patient ${options.patient}: ${total} tiles, ${kept} kept${rejected ? `, rejected: ${rejected}` : ''}; embeddings ${results[0]?.encoder ?? ''}; imported into the ${target.description}`);
  });
}
