// Global stores: every instance keeps a full copy, filled from the store's topic (all partitions) by its
// own processor. The runtime loads them to the end before any task processes.

import type { StreamsMetrics } from '../common/metrics.ts';
import type { ConsumedRecord } from '../common/record.ts';
import type { Clock } from '../common/time.ts';
import type { StateStore } from '../state/api/state-store.ts';
import type { Topology } from '../topology/topology.ts';
import type { StreamsConfig } from './config.ts';
import { StreamTask } from './stream-task.ts';

const noOutput = {
  send() {
    throw new Error('global store processors cannot forward or produce');
  },
  partitionsFor: () => 1,
};

/** Runs the global sub-topologies as one task-like unit (task id `global`). */
export class GlobalStateManager {
  readonly stores = new Map<string, StateStore>();
  readonly #tasks = new Map<string, StreamTask>(); // by topic
  readonly #storeTask = new Map<string, StreamTask>();
  readonly topics: string[];

  constructor(topology: Topology, config: StreamsConfig, clock: Clock, metrics: StreamsMetrics) {
    this.topics = [];
    for (const def of topology.globalStores()) {
      const store = def.storeBuilder.build();
      this.stores.set(def.storeBuilder.name, store);
      const source = topology.node(def.sourceName)!;
      const processor = topology.node(def.processorName)!;
      const task = new StreamTask({
        topology,
        taskId: `global-${def.storeBuilder.name}`,
        subtopology: { id: -1, nodes: [source, processor], sourceTopics: [def.topic], sinkTopics: [], stores: [] },
        partition: 0,
        config,
        collector: noOutput,
        clock,
        metrics,
        globalStores: this.stores,
        resolveTopic: (t) => t,
      });
      this.#tasks.set(def.topic, task);
      this.#storeTask.set(def.storeBuilder.name, task);
      this.topics.push(def.topic);
    }
  }

  initialize(): void {
    for (const [name, store] of this.stores) store.init(this.#storeTask.get(name)!.context);
    for (const task of this.#tasks.values()) task.initialize();
  }

  update(record: ConsumedRecord): void {
    this.#tasks.get(record.topic)!.process(record);
  }

  /** Global stores flush after each batch; they have no changelog (their topic is one). */
  flush(): void {
    for (const store of this.stores.values()) store.flush();
  }

  close(): void {
    for (const task of this.#tasks.values()) task.close();
    for (const store of this.stores.values()) if (store.isOpen()) store.close();
  }
}
