// The processor graph (Kafka Streams' `Topology`): sources, processors, sinks, state stores and global
// stores, wired by name. The DSL builds one; the runtime splits it into sub-topologies and compiles each
// into plain function calls per task.

import { TopologyError } from '../common/errors.ts';
import type { Serde } from '../common/serdes.ts';
import type { ProcessorSupplier } from '../operators/api/processor.ts';
import { suppliedStores } from '../operators/api/processor.ts';
import type { StoreBuilder } from '../state/api/store-builder.ts';
import { describeTopology, type TopologyDescription } from './describe.ts';

/** Picks a record's event time; `partitionTime` is the highest timestamp seen so far on its partition. */
export type TimestampExtractor<K = any, V = any> = {
  extract(record: { key: K; value: V; timestamp: number; topic: string }, partitionTime: number): number;
}['extract'];

export type TopicNameExtractor<K = any, V = any> = (key: K, value: V, context: { timestamp: number }) => string;

/** Chooses the partition of an outgoing record; undefined falls back to hashing the serialized key. */
// Method-style declaration keeps the parameters bivariant, so a partitioner for V also fits V | null.
export type StreamPartitioner<K = any, V = any> = {
  partition(topic: string, key: K, value: V, numPartitions: number): number | undefined;
}['partition'];

/** A serde, or one derived from the configured defaults (e.g. a change serde around the default value serde). */
export type SerdeSpec = Serde<any> | ((defaults: DefaultSerdes) => Serde<any>) | undefined;
export interface DefaultSerdes {
  readonly key: Serde<any>;
  readonly value: Serde<any>;
}

export function resolveSerde(spec: SerdeSpec, defaults: DefaultSerdes, which: 'key' | 'value'): Serde<any> {
  if (spec === undefined) return defaults[which];
  return typeof spec === 'function' ? spec(defaults) : spec;
}

export interface SourceNode {
  readonly kind: 'source';
  readonly name: string;
  readonly topics: readonly string[];
  /** undefined: the config's default serde. */
  readonly keySerde: SerdeSpec;
  readonly valueSerde: SerdeSpec;
  readonly timestampExtractor: TimestampExtractor | undefined;
  readonly successors: string[];
}

export interface ProcessorNode {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<any, any, any, any>;
  readonly predecessors: readonly string[];
  readonly successors: string[];
  readonly stores: Set<string>;
}

export interface SinkNode {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string | TopicNameExtractor;
  readonly keySerde: SerdeSpec;
  readonly valueSerde: SerdeSpec;
  readonly partitioner: StreamPartitioner | undefined;
  readonly predecessors: readonly string[];
  readonly successors: string[];
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

export interface GlobalStoreDefinition {
  readonly storeBuilder: StoreBuilder;
  readonly sourceName: string;
  readonly processorName: string;
  readonly topic: string;
}

/** Internal topics are named without the application id here; the runtime prefixes `<applicationId>-`. */
export interface InternalTopic {
  readonly name: string;
  readonly kind: 'repartition';
  readonly numPartitions: number | undefined;
}

export interface Subtopology {
  readonly id: number;
  readonly nodes: readonly TopologyNode[];
  readonly sourceTopics: readonly string[];
  readonly sinkTopics: readonly string[];
  readonly stores: readonly string[];
}

export interface SourceOptions {
  keySerde?: SerdeSpec;
  valueSerde?: SerdeSpec;
  timestampExtractor?: TimestampExtractor;
}

export interface SinkOptions {
  keySerde?: SerdeSpec;
  valueSerde?: SerdeSpec;
  partitioner?: StreamPartitioner;
}

export class Topology {
  readonly #nodes = new Map<string, TopologyNode>();
  readonly #stores = new Map<string, StoreBuilder>();
  readonly #globalStores = new Map<string, GlobalStoreDefinition>();
  readonly #internalTopics = new Map<string, InternalTopic>();
  readonly #sourceTopics = new Map<string, string>(); // topic → source node
  /** Groups of nodes whose upstream source topics must be co-partitioned (declared by joins). */
  readonly #copartitioned: string[][] = [];

  addSource(name: string, options: SourceOptions, ...topics: string[]): this {
    this.#assertNewName(name);
    if (topics.length === 0) throw new TopologyError(`source ${name} must name at least one topic`);
    for (const topic of topics) {
      const owner = this.#sourceTopics.get(topic);
      if (owner !== undefined) throw new TopologyError(`topic ${topic} is already consumed by source ${owner}`);
      this.#sourceTopics.set(topic, name);
    }
    this.#nodes.set(name, {
      kind: 'source',
      name,
      topics,
      keySerde: options.keySerde,
      valueSerde: options.valueSerde,
      timestampExtractor: options.timestampExtractor,
      successors: [],
    });
    return this;
  }

  addProcessor(name: string, supplier: ProcessorSupplier<any, any, any, any>, ...parentNames: string[]): this {
    this.#assertNewName(name);
    if (parentNames.length === 0) throw new TopologyError(`processor ${name} must have at least one parent`);
    const node: ProcessorNode = {
      kind: 'processor',
      name,
      supplier,
      predecessors: parentNames,
      successors: [],
      stores: new Set(),
    };
    this.#link(node, parentNames);
    this.#nodes.set(name, node);
    for (const builder of suppliedStores(supplier)) {
      if (!this.#stores.has(builder.name)) this.addStateStore(builder);
      node.stores.add(builder.name);
    }
    return this;
  }

  addSink(name: string, topic: string | TopicNameExtractor, options: SinkOptions, ...parentNames: string[]): this {
    this.#assertNewName(name);
    if (parentNames.length === 0) throw new TopologyError(`sink ${name} must have at least one parent`);
    const node: SinkNode = {
      kind: 'sink',
      name,
      topic,
      keySerde: options.keySerde,
      valueSerde: options.valueSerde,
      partitioner: options.partitioner,
      predecessors: parentNames,
      successors: [],
    };
    this.#link(node, parentNames);
    this.#nodes.set(name, node);
    return this;
  }

  addStateStore(builder: StoreBuilder, ...processorNames: string[]): this {
    if (this.#stores.has(builder.name) || this.#globalStores.has(builder.name)) {
      throw new TopologyError(`a state store named ${builder.name} is already registered`);
    }
    this.#stores.set(builder.name, builder);
    this.connectProcessorAndStateStores(...processorNames.map((p) => [p, builder.name] as const));
    return this;
  }

  connectProcessorAndStateStores(...pairs: ReadonlyArray<readonly [processorName: string, storeName: string]>): this {
    for (const [processorName, storeName] of pairs) {
      const node = this.#nodes.get(processorName);
      if (node === undefined || node.kind !== 'processor') throw new TopologyError(`unknown processor ${processorName}`);
      if (!this.#stores.has(storeName)) throw new TopologyError(`unknown state store ${storeName}`);
      node.stores.add(storeName);
    }
    return this;
  }

  /** A store kept in full on every instance, filled from `topic` by `supplier`, before any task processes. */
  addGlobalStore(
    storeBuilder: StoreBuilder,
    sourceName: string,
    options: SourceOptions,
    topic: string,
    processorName: string,
    supplier: ProcessorSupplier<any, any, void, void>,
  ): this {
    if (storeBuilder.loggingEnabled) {
      throw new TopologyError(`global store ${storeBuilder.name} must have logging disabled: its topic is its changelog`);
    }
    this.addSource(sourceName, options, topic);
    this.#assertNewName(processorName);
    const node: ProcessorNode = {
      kind: 'processor',
      name: processorName,
      supplier,
      predecessors: [sourceName],
      successors: [],
      stores: new Set([storeBuilder.name]),
    };
    this.#link(node, [sourceName]);
    this.#nodes.set(processorName, node);
    this.#globalStores.set(storeBuilder.name, { storeBuilder, sourceName, processorName, topic });
    return this;
  }

  addInternalTopic(name: string, kind: InternalTopic['kind'], numPartitions?: number): this {
    this.#internalTopics.set(name, { name, kind, numPartitions });
    return this;
  }

  /** Joins declare that the source topics feeding these nodes must have the same number of partitions. */
  copartition(...nodeNames: string[]): this {
    for (const name of nodeNames) if (!this.#nodes.has(name)) throw new TopologyError(`copartition: unknown node ${name}`);
    this.#copartitioned.push(nodeNames);
    return this;
  }

  /** Sets of source topics that must have equal partition counts; groups sharing a topic are merged. */
  copartitionGroups(): Array<ReadonlySet<string>> {
    const groups: Set<string>[] = [];
    for (const nodeNames of this.#copartitioned) {
      let merged = new Set(nodeNames.flatMap((name) => this.#upstreamSourceTopics(name)));
      for (let i = groups.length - 1; i >= 0; i--) {
        if ([...groups[i]].some((topic) => merged.has(topic))) {
          merged = new Set([...groups[i], ...merged]);
          groups.splice(i, 1);
        }
      }
      if (merged.size > 1) groups.push(merged);
    }
    return groups;
  }

  node(name: string): TopologyNode | undefined {
    return this.#nodes.get(name);
  }
  nodes(): TopologyNode[] {
    return [...this.#nodes.values()];
  }
  stateStore(name: string): StoreBuilder | undefined {
    return this.#stores.get(name) ?? this.#globalStores.get(name)?.storeBuilder;
  }
  stateStores(): StoreBuilder[] {
    return [...this.#stores.values()];
  }
  globalStores(): GlobalStoreDefinition[] {
    return [...this.#globalStores.values()];
  }
  internalTopics(): InternalTopic[] {
    return [...this.#internalTopics.values()];
  }
  isInternalTopic(topic: string): boolean {
    return this.#internalTopics.has(topic);
  }
  sourceNodeForTopic(topic: string): SourceNode | undefined {
    const name = this.#sourceTopics.get(topic);
    return name === undefined ? undefined : (this.#nodes.get(name) as SourceNode);
  }

  /** Nodes of global stores, which never form tasks. */
  globalNodeNames(): Set<string> {
    const names = new Set<string>();
    for (const g of this.#globalStores.values()) {
      names.add(g.sourceName);
      names.add(g.processorName);
    }
    return names;
  }

  /** The connected components of the graph (through edges and shared stores), numbered in creation order. */
  subtopologies(): Subtopology[] {
    const globalNames = this.globalNodeNames();
    const names = [...this.#nodes.keys()].filter((n) => !globalNames.has(n));
    const parent = new Map<string, string>(names.map((n) => [n, n]));
    const find = (n: string): string => {
      let root = n;
      while (parent.get(root) !== root) root = parent.get(root)!;
      parent.set(n, root);
      return root;
    };
    const union = (a: string, b: string) => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(rb, ra);
    };
    const storeOwner = new Map<string, string>();
    for (const name of names) {
      const node = this.#nodes.get(name)!;
      for (const succ of node.successors) union(name, succ);
      if (node.kind === 'processor') {
        for (const store of node.stores) {
          if (this.#globalStores.has(store)) continue;
          const owner = storeOwner.get(store);
          if (owner === undefined) storeOwner.set(store, name);
          else union(owner, name);
        }
      }
    }
    const groups = new Map<string, TopologyNode[]>();
    for (const name of names) {
      const root = find(name);
      let group = groups.get(root);
      if (group === undefined) groups.set(root, (group = []));
      group.push(this.#nodes.get(name)!);
    }
    return [...groups.values()].map((nodes, id) => {
      const stores = new Set<string>();
      const sourceTopics: string[] = [];
      const sinkTopics: string[] = [];
      for (const node of nodes) {
        if (node.kind === 'source') sourceTopics.push(...node.topics);
        if (node.kind === 'sink' && typeof node.topic === 'string') sinkTopics.push(node.topic);
        if (node.kind === 'processor') for (const s of node.stores) if (!this.#globalStores.has(s)) stores.add(s);
      }
      return { id, nodes, sourceTopics, sinkTopics, stores: [...stores] };
    });
  }

  describe(): TopologyDescription {
    return describeTopology(this);
  }

  /** The topics of the source nodes a node reads from, following edges up to the sources. */
  #upstreamSourceTopics(name: string): string[] {
    const topics: string[] = [];
    const seen = new Set<string>();
    const pending = [name];
    while (pending.length > 0) {
      const node = this.#nodes.get(pending.pop()!);
      if (node === undefined || seen.has(node.name)) continue;
      seen.add(node.name);
      if (node.kind === 'source') topics.push(...node.topics);
      else pending.push(...node.predecessors);
    }
    return topics;
  }

  #assertNewName(name: string): void {
    if (this.#nodes.has(name)) throw new TopologyError(`a node named ${name} already exists`);
  }

  #link(node: ProcessorNode | SinkNode, parentNames: readonly string[]): void {
    for (const parentName of parentNames) {
      const parent = this.#nodes.get(parentName);
      if (parent === undefined) throw new TopologyError(`${node.name}: unknown parent ${parentName}`);
      if (parent.kind === 'sink') throw new TopologyError(`${node.name}: a sink (${parentName}) cannot be a parent`);
      parent.successors.push(node.name);
    }
  }
}
