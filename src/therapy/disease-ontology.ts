/**
 * The part of the Disease Ontology (https://disease-ontology.org, CC0) that CIViC's evidence and
 * the patient-disease map use: each term's is_a parents, its SNOMED CT cross-references, and the
 * ancestry computed from them. DO classifies mostly by site, so the map adds a few parents DO's
 * own definitions imply (skin melanoma is a melanoma); those edges are data, listed in
 * `data/disease-map.json`.
 */
import { z } from 'zod';

const DOID = z.string().regex(/^DOID:\d+$/, 'expected DOID:<digits>');

export const OntologyFileSchema = z.object({
  release: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  source: z.string(),
  altIds: z.record(DOID, DOID),
  terms: z.record(
    DOID,
    z.object({ name: z.string().min(1), parents: z.array(DOID), snomed: z.array(z.string().regex(/^\d+$/)).optional() }),
  ),
});
export type OntologyFile = z.output<typeof OntologyFileSchema>;

export interface DiseaseOntology {
  release: string;
  /** the DO name of a term, when the sub-graph holds it */
  nameOf(id: string): string | undefined;
  /** the current id for an obsolete alternative one (CIViC may still use it) */
  canonical(id: string): string;
  /** the term and all its ancestors; an unknown term is only itself */
  lineage(id: string): ReadonlySet<string>;
  /** DOIDs that cross-reference this SNOMED CT code */
  bySnomed(code: string): readonly string[];
}

/** Builds the ontology from its file and the project's extra parents; throws when an edge points nowhere. */
export function buildDiseaseOntology(file: OntologyFile, extraParents: ReadonlyMap<string, readonly string[]>): DiseaseOntology {
  const parents = new Map<string, string[]>();
  for (const [id, term] of Object.entries(file.terms)) parents.set(id, [...term.parents]);
  for (const [id, extra] of extraParents) {
    if (!parents.has(id)) throw new Error(`extra parents given for ${id}, which the ontology file does not hold`);
    for (const p of extra) if (!parents.has(p)) throw new Error(`extra parent ${p} of ${id} is not in the ontology file`);
    parents.set(id, [...new Set([...(parents.get(id) ?? []), ...extra])]);
  }
  for (const [id, ps] of parents) for (const p of ps) if (!parents.has(p)) throw new Error(`${id} has parent ${p}, which the ontology file does not hold`);

  const lineages = new Map<string, Set<string>>();
  const lineageOf = (id: string, path: readonly string[] = []): Set<string> => {
    const known = lineages.get(id);
    if (known) return known;
    if (path.includes(id)) throw new Error(`is_a cycle through ${[...path, id].join(' > ')}`);
    const set = new Set([id]);
    for (const p of parents.get(id) ?? []) for (const a of lineageOf(p, [...path, id])) set.add(a);
    lineages.set(id, set);
    return set;
  };
  for (const id of parents.keys()) lineageOf(id);

  const snomed = new Map<string, string[]>();
  for (const [id, term] of Object.entries(file.terms)) {
    for (const code of term.snomed ?? []) snomed.set(code, [...(snomed.get(code) ?? []), id]);
  }
  const canonical = (id: string) => file.altIds[id] ?? id;
  return {
    release: file.release,
    nameOf: (id) => file.terms[canonical(id)]?.name,
    canonical,
    lineage: (id) => lineages.get(canonical(id)) ?? new Set([canonical(id)]),
    bySnomed: (code) => snomed.get(code) ?? [],
  };
}
