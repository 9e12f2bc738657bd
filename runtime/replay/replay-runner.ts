// Drives several embedded apps over one in-memory cluster deterministically: at every step the app whose next
// record (task input or global-store update) has the smallest timestamp goes — ties by topic name, then by
// the apps' order — so the same inputs always give the same outputs, byte for byte.

import type { EmbeddedStreamsApp } from '../embedded/embedded-streams-app.ts';

export interface ReplayProgress {
  processed: number;
  /** Stream time reached, for progress against the input's time span. */
  timestamp: number;
}

/**
 * Records from outside (the input files) enter their topics as time reaches them, not all up front: a topic
 * the apps also write to (kill commands) must get its records in time order, as it would live.
 */
export interface InputFeeder {
  /** Timestamp of the next input record, or null when all are in. */
  nextTimestamp(): number | null;
  /** Appends every input record with a timestamp up to `timestamp`. */
  feedUpTo(timestamp: number): void;
}

export function runDeterministically(
  apps: readonly EmbeddedStreamsApp[],
  onProgress?: (progress: ReplayProgress) => void,
  progressEvery = 10_000,
  feeder?: InputFeeder,
): number {
  let processed = 0;
  for (;;) {
    if (feeder !== undefined) {
      // Inputs at or before the earliest pending record go in first (an input ties before what it would cause).
      const next = feeder.nextTimestamp();
      if (next !== null) {
        const earliest = earliestHead(apps);
        if (earliest === null || next <= earliest) {
          feeder.feedUpTo(next);
          continue;
        }
      }
    }
    let chosen = -1;
    let best: { timestamp: number; topic: string } | null = null;
    for (let i = 0; i < apps.length; i++) {
      const head = apps[i].nextHead();
      if (head === null) continue;
      if (best === null || head.timestamp < best.timestamp || (head.timestamp === best.timestamp && head.topic < best.topic)) {
        best = head;
        chosen = i;
      }
    }
    if (best === null) {
      // Commits flush caches, which may produce more records: stop only when a commit adds nothing.
      for (const app of apps) app.commitAll();
      if (apps.every((app) => app.nextHead() === null) && (feeder?.nextTimestamp() ?? null) === null) break;
      continue;
    }
    apps[chosen].step();
    processed++;
    if (onProgress !== undefined && processed % progressEvery === 0) onProgress({ processed, timestamp: best.timestamp });
  }
  return processed;
}

function earliestHead(apps: readonly EmbeddedStreamsApp[]): number | null {
  let earliest: number | null = null;
  for (const app of apps) {
    const head = app.nextHead();
    if (head !== null && (earliest === null || head.timestamp < earliest)) earliest = head.timestamp;
  }
  return earliest;
}
