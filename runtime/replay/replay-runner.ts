// Drives several embedded apps over one in-memory cluster deterministically: at every step the app whose next
// record (task input or global-store update) has the smallest timestamp goes — ties by topic name, then by
// the apps' order — so the same inputs always give the same outputs, byte for byte.

import type { EmbeddedStreamsApp } from '../embedded/embedded-streams-app.ts';

export interface ReplayProgress {
  processed: number;
  /** Stream time reached, for progress against the input's time span. */
  timestamp: number;
}

export function runDeterministically(
  apps: readonly EmbeddedStreamsApp[],
  onProgress?: (progress: ReplayProgress) => void,
  progressEvery = 10_000,
): number {
  let processed = 0;
  for (;;) {
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
      if (apps.every((app) => app.nextHead() === null)) break;
      continue;
    }
    apps[chosen].step();
    processed++;
    if (onProgress !== undefined && processed % progressEvery === 0) onProgress({ processed, timestamp: best.timestamp });
  }
  return processed;
}
