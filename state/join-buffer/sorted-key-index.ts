// A sorted set of latin1 key strings (code-unit order = unsigned byte order) that stays sorted as keys come and
// go: keys live in chunks of bounded size, so an insert or delete moves at most one chunk's entries.

const MAX_CHUNK = 512;

export class SortedKeyIndex {
  #chunks: string[][] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** False when the key was already there. */
  insert(id: string): boolean {
    if (this.#chunks.length === 0) {
      this.#chunks.push([id]);
      this.#size = 1;
      return true;
    }
    const c = this.#chunkFor(id);
    const chunk = this.#chunks[c];
    const at = lowerBound(chunk, id);
    if (chunk[at] === id) return false;
    chunk.splice(at, 0, id);
    this.#size++;
    if (chunk.length > 2 * MAX_CHUNK) this.#chunks.splice(c + 1, 0, chunk.splice(MAX_CHUNK));
    return true;
  }

  /** False when the key was not there. */
  delete(id: string): boolean {
    if (this.#chunks.length === 0) return false;
    const c = this.#chunkFor(id);
    const chunk = this.#chunks[c];
    const at = lowerBound(chunk, id);
    if (chunk[at] !== id) return false;
    chunk.splice(at, 1);
    this.#size--;
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    return true;
  }

  clear(): void {
    this.#chunks = [];
    this.#size = 0;
  }

  /** Keys with from ≤ key ≤ to (a null bound is open) or, with `prefix`, the keys starting with it; ascending. */
  select(from: string | null, to: string | null, prefix?: string): string[] {
    const out: string[] = [];
    const start = prefix ?? from;
    let c = start === null ? 0 : this.#chunkFor(start);
    let i = start === null || c >= this.#chunks.length ? 0 : lowerBound(this.#chunks[c], start);
    for (; c < this.#chunks.length; c++, i = 0) {
      const chunk = this.#chunks[c];
      for (; i < chunk.length; i++) {
        const id = chunk[i];
        if (prefix !== undefined ? !id.startsWith(prefix) : to !== null && id > to) return out;
        out.push(id);
      }
    }
    return out;
  }

  /** The first chunk whose last key is ≥ id (the last chunk when id is beyond them all). */
  #chunkFor(id: string): number {
    let lo = 0;
    let hi = this.#chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.#chunks[mid];
      if (chunk[chunk.length - 1] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function lowerBound(sorted: readonly string[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
