// Topology.describe() as a picture: Graphviz DOT, Mermaid, or a self-contained HTML page with an SVG laid out
// here (no script, no CDN), so `risk-streams describe <app> --format html > app.html` opens anywhere.

import type { DescribedNode, TopologyDescription } from '../../topology/describe.ts';

export const DIAGRAM_FORMATS = ['text', 'dot', 'mermaid', 'html'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

type Kind = 'topic' | 'source' | 'processor' | 'sink' | 'store';

interface GraphNode {
  readonly id: string;
  readonly kind: Kind;
  readonly label: string;
}

interface Graph {
  readonly title: string;
  readonly nodes: GraphNode[];
  /** `dashed` marks a processor's use of a store. */
  readonly edges: Array<{ from: string; to: string; dashed: boolean }>;
}

/** One graph per sub-topology (global stores included), topics and stores as nodes of their own. */
export function topologyGraphs(description: TopologyDescription): Graph[] {
  const groups = [
    ...description.subtopologies.map((s) => ({ title: `Sub-topology ${s.id}`, nodes: s.nodes })),
    ...description.globalStores.map((g) => ({ title: `Sub-topology ${g.id} (global store)`, nodes: [g.source, g.processor] })),
  ];
  return groups.map((group, index) => {
    const graph: Graph = { title: group.title, nodes: [], edges: [] };
    const ids = new Map<string, string>();
    const idOf = (kind: Kind, name: string): string => {
      const key = `${kind === 'topic' || kind === 'store' ? kind : 'node'}:${name}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = `g${index}n${ids.size}`;
        ids.set(key, id);
        graph.nodes.push({ id, kind, label: name });
      }
      return id;
    };
    for (const node of group.nodes) idOf(node.kind, node.name);
    for (const node of group.nodes) {
      const self = idOf(node.kind, node.name);
      for (const topic of node.topics ?? []) graph.edges.push({ from: idOf('topic', topic), to: self, dashed: false });
      for (const next of node.successors) graph.edges.push({ from: self, to: idOf(kindOf(group.nodes, next), next), dashed: false });
      if (node.kind === 'sink') graph.edges.push({ from: self, to: idOf('topic', node.topic ?? '(topic from record)'), dashed: false });
      for (const store of node.stores ?? []) graph.edges.push({ from: self, to: idOf('store', store), dashed: true });
    }
    return graph;
  });
}

function kindOf(nodes: readonly DescribedNode[], name: string): Kind {
  return nodes.find((n) => n.name === name)?.kind ?? 'processor';
}

export function renderDiagram(description: TopologyDescription, format: DiagramFormat, title: string): string {
  switch (format) {
    case 'text':
      return description.toString();
    case 'dot':
      return toDot(description, title);
    case 'mermaid':
      return toMermaid(description);
    case 'html':
      return toHtml(description, title);
  }
}

const DOT_SHAPES: Record<Kind, string> = {
  topic: 'shape=parallelogram, style=filled, fillcolor="#eeeeee"',
  source: 'shape=box, style="rounded,filled", fillcolor="#d5f5d5"',
  processor: 'shape=box, style="rounded,filled", fillcolor="#dbe8fb"',
  sink: 'shape=box, style="rounded,filled", fillcolor="#fde3c8"',
  store: 'shape=cylinder, style=filled, fillcolor="#fbf3c4"',
};

export function toDot(description: TopologyDescription, title: string): string {
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = [`digraph ${quote(title)} {`, '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica"];'];
  for (const graph of topologyGraphs(description)) {
    lines.push(`  subgraph ${quote(`cluster_${graph.nodes[0]?.id ?? graph.title}`)} {`, `    label=${quote(graph.title)};`);
    for (const node of graph.nodes) lines.push(`    ${node.id} [label=${quote(node.label)}, ${DOT_SHAPES[node.kind]}];`);
    lines.push('  }');
    for (const edge of graph.edges) lines.push(`  ${edge.from} -> ${edge.to}${edge.dashed ? ' [style=dashed, arrowhead=none]' : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const MERMAID_SHAPES: Record<Kind, [string, string]> = {
  topic: ['[/', '/]'],
  source: ['([', '])'],
  processor: ['[', ']'],
  sink: ['([', '])'],
  store: ['[(', ')]'],
};

export function toMermaid(description: TopologyDescription): string {
  // Mermaid labels are quoted strings: a double quote inside one is written as an entity.
  const label = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart LR'];
  for (const graph of topologyGraphs(description)) {
    lines.push(`  subgraph ${graph.nodes[0]?.id ?? 'empty'}_box[${label(graph.title)}]`);
    for (const node of graph.nodes) {
      const [open, close] = MERMAID_SHAPES[node.kind];
      lines.push(`    ${node.id}${open}${label(node.label)}${close}`);
    }
    lines.push('  end');
    for (const edge of graph.edges) lines.push(`  ${edge.from} ${edge.dashed ? '-.-' : '-->'} ${edge.to}`);
  }
  return `${lines.join('\n')}\n`;
}

// SVG layout: longest-path layers from left to right, nodes in a layer ordered by where their
// predecessors sit, edges as curves from the right side of one box to the left side of the next.

const CHAR_WIDTH = 6.6;
const BOX_HEIGHT = 34;
const ROW_GAP = 16;
const COLUMN_GAP = 56;
const MARGIN = 24;
const TITLE_HEIGHT = 26;
const FILL: Record<Kind, string> = { topic: '#eeeeee', source: '#d5f5d5', processor: '#dbe8fb', sink: '#fde3c8', store: '#fbf3c4' };

interface Placed extends GraphNode {
  x: number;
  y: number;
  width: number;
}

function layout(graph: Graph): { placed: Map<string, Placed>; width: number; height: number } {
  const preds = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) preds.get(e.to)!.push(e.from);
  const layerOf = new Map<string, number>();
  const layer = (id: string, seen: Set<string>): number => {
    const known = layerOf.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle (none in a valid topology): break it here
    seen.add(id);
    const value = preds.get(id)!.reduce((max, p) => Math.max(max, layer(p, seen) + 1), 0);
    layerOf.set(id, value);
    return value;
  };
  for (const n of graph.nodes) layer(n.id, new Set());
  const layers: GraphNode[][] = [];
  for (const n of graph.nodes) (layers[layerOf.get(n.id)!] ??= []).push(n);

  const placed = new Map<string, Placed>();
  let x = MARGIN;
  let height = 0;
  for (const column of layers) {
    if (column === undefined) continue;
    const row = (n: GraphNode) => {
      const ys = preds.get(n.id)!.map((p) => placed.get(p)?.y ?? 0);
      return ys.length === 0 ? 0 : ys.reduce((a, b) => a + b, 0) / ys.length;
    };
    column.sort((a, b) => row(a) - row(b));
    const width = Math.max(...column.map((n) => textWidth(n))) + 20;
    column.forEach((n, i) => {
      const y = TITLE_HEIGHT + MARGIN + i * (BOX_HEIGHT + ROW_GAP);
      placed.set(n.id, { ...n, x, y, width });
      height = Math.max(height, y + BOX_HEIGHT);
    });
    x += width + COLUMN_GAP;
  }
  return { placed, width: x - COLUMN_GAP + MARGIN, height: height + MARGIN };
}

function textWidth(node: GraphNode): number {
  return Math.max(node.label.length, node.kind.length + 2) * CHAR_WIDTH;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function toSvg(description: TopologyDescription): string {
  const parts: string[] = [];
  let top = 0;
  let width = 0;
  for (const graph of topologyGraphs(description)) {
    const { placed, width: w, height: h } = layout(graph);
    parts.push(`<g transform="translate(0 ${top})">`);
    parts.push(`<rect class="frame" x="4" y="4" width="${w - 8}" height="${h - 8}" rx="8"/>`);
    parts.push(`<text class="title" x="${MARGIN}" y="${MARGIN + 6}">${xml(graph.title)}</text>`);
    for (const e of graph.edges) {
      const a = placed.get(e.from)!;
      const b = placed.get(e.to)!;
      const [x1, y1, x2, y2] = [a.x + a.width, a.y + BOX_HEIGHT / 2, b.x, b.y + BOX_HEIGHT / 2];
      const bend = Math.max(20, (x2 - x1) / 2);
      parts.push(
        `<path class="${e.dashed ? 'store-edge' : 'edge'}" d="M${x1} ${y1} C${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}"${e.dashed ? '' : ' marker-end="url(#arrow)"'}/>`,
      );
    }
    for (const n of placed.values()) {
      const shape =
        n.kind === 'topic'
          ? `<path d="M${n.x + 8} ${n.y} H${n.x + n.width} L${n.x + n.width - 8} ${n.y + BOX_HEIGHT} H${n.x} Z" fill="${FILL.topic}"/>`
          : `<rect x="${n.x}" y="${n.y}" width="${n.width}" height="${BOX_HEIGHT}" rx="${n.kind === 'store' ? 12 : 6}" fill="${FILL[n.kind]}"/>`;
      parts.push(
        `<g class="node ${n.kind}"><title>${xml(`${n.kind}: ${n.label}`)}</title>${shape}` +
          `<text class="kind" x="${n.x + 10}" y="${n.y + 13}">${n.kind}</text>` +
          `<text x="${n.x + 10}" y="${n.y + 27}">${xml(n.label)}</text></g>`,
      );
    }
    parts.push('</g>');
    top += h;
    width = Math.max(width, w);
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top}" viewBox="0 0 ${width} ${top}" role="img">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
    '<path d="M0 0 L10 5 L0 10 z" fill="#555"/></marker></defs>' +
    parts.join('') +
    '</svg>'
  );
}

export function toHtml(description: TopologyDescription, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${xml(title)} topology</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
  svg text { font: 11px ui-monospace, monospace; fill: #222; }
  svg text.kind { font-size: 9px; fill: #666; text-transform: uppercase; }
  svg text.title { font: 600 13px system-ui, sans-serif; }
  svg .frame { fill: none; stroke: #ccc; }
  svg .node rect, svg .node path { stroke: #888; }
  svg .edge { fill: none; stroke: #555; }
  svg .store-edge { fill: none; stroke: #b59b00; stroke-dasharray: 4 3; }
  pre { background: #f6f6f6; padding: 12px; overflow: auto; }
</style>
</head>
<body>
<h1>${xml(title)}</h1>
<p>Topics are slanted, stores are yellow; a dashed line joins a processor to a store it uses.</p>
${toSvg(description)}
<details><summary>describe()</summary><pre>${xml(description.toString())}</pre></details>
</body>
</html>
`;
}
