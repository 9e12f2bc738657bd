// Range and prefix selection over a sorted array of latin1 key strings, shared by the memory engine and the cache.

export interface ScanBounds {
  readonly from: Buffer | null;
  readonly to: Buffer | null;
  readonly reverse: boolean;
  readonly prefix?: Buffer;
}

export function lowerBound(sorted: readonly string[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The ids of `sorted` within the bounds (inclusive), in scan order. */
export function scanSorted(sorted: readonly string[], bounds: ScanBounds): string[] {
  let start = 0;
  let end = sorted.length; // exclusive
  if (bounds.prefix !== undefined) {
    const prefix = bounds.prefix.toString('latin1');
    start = lowerBound(sorted, prefix);
    end = start;
    while (end < sorted.length && sorted[end].startsWith(prefix)) end++;
  } else {
    if (bounds.from !== null) start = lowerBound(sorted, bounds.from.toString('latin1'));
    if (bounds.to !== null) {
      const to = bounds.to.toString('latin1');
      end = lowerBound(sorted, to);
      if (end < sorted.length && sorted[end] === to) end++;
    }
  }
  if (end <= start) return [];
  const slice = sorted.slice(start, end);
  return bounds.reverse ? slice.reverse() : slice;
}

export function inBounds(id: string, bounds: ScanBounds): boolean {
  if (bounds.prefix !== undefined) return id.startsWith(bounds.prefix.toString('latin1'));
  if (bounds.from !== null && id < bounds.from.toString('latin1')) return false;
  if (bounds.to !== null && id > bounds.to.toString('latin1')) return false;
  return true;
}
