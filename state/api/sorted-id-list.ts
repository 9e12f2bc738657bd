// A sorted, duplicate-free list of latin1 key strings (whose code-unit order is unsigned byte order), kept in
// chunks: an insert or delete shifts at most one chunk, a scan walks the chunks in order. For engines and caches
// that range-scan while they are written to.

import { lowerBound } from './sorted-scan.ts';

/** A chunk splits in two past this size, so a shift costs at most this many moves. */
const MAX_CHUNK = 512;

function upperBound(sorted: readonly string[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorted, duplicate-free ids in chunks; `lasts[i]` is the greatest id of chunk i, for the binary search. */
export class SortedIdList {
  readonly #chunks: string[][] = [];
  readonly #lasts: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** A list of ids already sorted and distinct, chunked without per-id inserts. */
  static from(sorted: readonly string[]): SortedIdList {
    const list = new SortedIdList();
    const half = MAX_CHUNK >>> 1;
    for (let i = 0; i < sorted.length; i += half) {
      const chunk = sorted.slice(i, i + half);
      list.#chunks.push(chunk);
      list.#lasts.push(chunk[chunk.length - 1]);
    }
    list.#size = sorted.length;
    return list;
  }

  /** The first chunk whose greatest id is ≥ id (the chunk count when every id is smaller). */
  #chunkFor(id: string): number {
    return lowerBound(this.#lasts, id);
  }

  /** Adds an id the caller knows is absent. */
  insert(id: string): void {
    const chunks = this.#chunks;
    if (chunks.length === 0) {
      chunks.push([id]);
      this.#lasts.push(id);
      this.#size++;
      return;
    }
    const c = Math.min(this.#chunkFor(id), chunks.length - 1);
    const chunk = chunks[c];
    chunk.splice(lowerBound(chunk, id), 0, id);
    this.#size++;
    if (chunk.length > MAX_CHUNK) {
      const right = chunk.splice(chunk.length >>> 1);
      chunks.splice(c + 1, 0, right);
      this.#lasts.splice(c + 1, 0, right[right.length - 1]);
    }
    this.#lasts[c] = chunk[chunk.length - 1];
  }

  remove(id: string): void {
    const c = this.#chunkFor(id);
    if (c === this.#chunks.length) return;
    const chunk = this.#chunks[c];
    const at = lowerBound(chunk, id);
    if (chunk[at] !== id) return;
    chunk.splice(at, 1);
    this.#size--;
    if (chunk.length === 0) {
      this.#chunks.splice(c, 1);
      this.#lasts.splice(c, 1);
    } else {
      this.#lasts[c] = chunk[chunk.length - 1];
    }
  }

  /** Visits the ids within [from, to] (null: open), in ascending or descending order, until `visit` says false. */
  scan(from: string | null, to: string | null, reverse: boolean, visit: (id: string) => boolean | undefined): void {
    const chunks = this.#chunks;
    if (chunks.length === 0 || (from !== null && to !== null && from > to)) return;
    if (!reverse) {
      let c = from === null ? 0 : this.#chunkFor(from);
      if (c === chunks.length) return;
      let i = from === null ? 0 : lowerBound(chunks[c], from);
      for (; c < chunks.length; c++, i = 0) {
        const chunk = chunks[c];
        for (; i < chunk.length; i++) {
          const id = chunk[i];
          if ((to !== null && id > to) || visit(id) === false) return;
        }
      }
      return;
    }
    let c: number;
    let i: number;
    if (to === null) {
      c = chunks.length - 1;
      i = chunks[c].length - 1;
    } else {
      c = this.#chunkFor(to);
      if (c === chunks.length) {
        c--;
        i = chunks[c].length - 1;
      } else {
        i = upperBound(chunks[c], to) - 1;
      }
    }
    for (; c >= 0; c--, i = c >= 0 ? chunks[c].length - 1 : 0) {
      const chunk = chunks[c];
      for (; i >= 0; i--) {
        const id = chunk[i];
        if ((from !== null && id < from) || visit(id) === false) return;
      }
    }
  }
}

