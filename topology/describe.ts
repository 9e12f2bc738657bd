// Topology.describe(): the structure in Kafka Streams' own text layout, so tools that draw it
// (kafka-streams-viz and the like) read ours unchanged.

import type { Topology, TopologyNode } from './topology.ts';

export interface TopologyDescription {
  readonly subtopologies: ReadonlyArray<{ id: number; nodes: ReadonlyArray<DescribedNode> }>;
  readonly globalStores: ReadonlyArray<{ id: number; source: DescribedNode; processor: DescribedNode }>;
  toString(): string;
}

export interface DescribedNode {
  readonly kind: TopologyNode['kind'];
  readonly name: string;
  readonly topics?: readonly string[];
  readonly topic?: string;
  readonly stores?: readonly string[];
  readonly successors: readonly string[];
  readonly predecessors: readonly string[];
}

export function describeTopology(topology: Topology): TopologyDescription {
  const predecessorsOf = (name: string): string[] =>
    topology
      .nodes()
      .filter((n) => n.successors.includes(name))
      .map((n) => n.name);
  const sizes = new Map<string, number>();
  const size = (name: string): number => {
    const known = sizes.get(name);
    if (known !== undefined) return known;
    const node = topology.node(name)!;
    const total = 1 + node.successors.reduce((sum, s) => sum + size(s), 0);
    sizes.set(name, total);
    return total;
  };
  // Kafka orders nodes by the size of the graph below them (largest first), then by name.
  const order = (a: string, b: string) => size(b) - size(a) || (a < b ? -1 : a > b ? 1 : 0);
  const described = (node: TopologyNode): DescribedNode => ({
    kind: node.kind,
    name: node.name,
    ...(node.kind === 'source' ? { topics: [...node.topics].sort() } : {}),
    ...(node.kind === 'sink' ? { topic: typeof node.topic === 'string' ? node.topic : undefined } : {}),
    ...(node.kind === 'processor' ? { stores: [...node.stores].sort() } : {}),
    successors: [...node.successors].sort(order),
    predecessors: predecessorsOf(node.name).sort(order),
  });

  const subtopologies = topology.subtopologies().map((sub) => ({
    id: sub.id,
    nodes: sub.nodes
      .map((n) => n.name)
      .sort(order)
      .map((name) => described(topology.node(name)!)),
  }));
  let nextId = subtopologies.length;
  const globalStores = topology.globalStores().map((g) => ({
    id: nextId++,
    source: described(topology.node(g.sourceName)!),
    processor: described(topology.node(g.processorName)!),
  }));

  return {
    subtopologies,
    globalStores,
    toString() {
      let text = 'Topologies:\n ';
      for (const sub of subtopologies) {
        text += `  Sub-topology: ${sub.id}\n`;
        for (const node of sub.nodes) text += `    ${nodeText(node)}\n`;
        text += '\n';
      }
      for (const g of globalStores) {
        text += `  Sub-topology: ${g.id} for global store (will not generate tasks)\n`;
        text += `    ${nodeText(g.source)}\n    ${nodeText(g.processor)}\n`;
      }
      return text;
    },
  };
}

function names(list: readonly string[]): string {
  return list.length === 0 ? 'none' : list.join(', ');
}

function nodeText(node: DescribedNode): string {
  switch (node.kind) {
    case 'source':
      return `Source: ${node.name} (topics: [${node.topics!.join(', ')}])\n      --> ${names(node.successors)}`;
    case 'processor':
      return (
        `Processor: ${node.name} (stores: [${node.stores!.join(', ')}])\n      --> ${names(node.successors)}` +
        `\n      <-- ${names(node.predecessors)}`
      );
    case 'sink': {
      const target = node.topic === undefined ? 'extractor' : `topic: ${node.topic}`;
      return `Sink: ${node.name} (${target})\n      <-- ${names(node.predecessors)}`;
    }
  }
}
