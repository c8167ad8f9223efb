// Reciprocal rank fusion (Cormack et al., 2009): each list adds 1 / (k + rank) for the
// items it ranks. It needs no calibration between a cosine similarity and a text rank,
// which have nothing in common but their order.

export const RRF_K = 60;

export interface VectorHit {
  id: string;
  /** Cosine similarity, 1 - pgvector's cosine distance. */
  similarity: number;
}

export interface Fused {
  id: string;
  /** The fused score over its best possible value: 1 when first in both lists, 0.5 when first in one. */
  score: number;
  /** 1-based places in each list the item made. */
  vectorRank?: number;
  textRank?: number;
  similarity?: number;
}

export interface FuseOptions {
  k?: number;
  /**
   * The floor for an item only the vector search found: it must be at least this similar.
   * Text matches share words with the question and pass on that alone.
   */
  minSimilarity: number;
  /** The floor on the fused score (0..1). */
  minScore: number;
}

/** Both lists, best first, fused; ties go to the better single rank, then to the id, so results are stable. */
export function fuseRanks(vectorHits: readonly VectorHit[], textIds: readonly string[], options: FuseOptions): Fused[] {
  const k = options.k ?? RRF_K;
  const best = 2 / (k + 1);
  const byId = new Map<string, Fused & { raw: number }>();
  const entry = (id: string) => {
    let e = byId.get(id);
    if (!e) byId.set(id, (e = { id, score: 0, raw: 0 }));
    return e;
  };
  vectorHits.forEach((hit, i) => {
    const e = entry(hit.id);
    e.vectorRank = i + 1;
    e.similarity = hit.similarity;
    e.raw += 1 / (k + i + 1);
  });
  textIds.forEach((id, i) => {
    const e = entry(id);
    e.textRank = i + 1;
    e.raw += 1 / (k + i + 1);
  });
  const bestRank = (f: Fused) => Math.min(f.vectorRank ?? Infinity, f.textRank ?? Infinity);
  return [...byId.values()]
    .filter((f) => f.textRank !== undefined || (f.similarity ?? -1) >= options.minSimilarity)
    .map(({ raw, ...f }) => ({ ...f, score: raw / best }))
    .filter((f) => f.score >= options.minScore)
    .sort((a, b) => b.score - a.score || bestRank(a) - bestRank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
