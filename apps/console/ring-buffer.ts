// A fixed-capacity buffer that keeps the newest items: the console's memory of recent drops stays bounded
// however long the router has been dropping.

export class RingBuffer<T> {
  readonly capacity: number;
  readonly #items: (T | undefined)[];
  /** Index the next push writes to. */
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be an integer ≥ 1, got ${capacity}`);
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** Up to `limit` items, newest first. */
  newest(limit = this.#size): T[] {
    const n = Math.min(Math.max(0, Math.floor(limit)), this.#size);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.#items[(this.#next - 1 - i + this.capacity) % this.capacity] as T;
    return out;
  }
}
