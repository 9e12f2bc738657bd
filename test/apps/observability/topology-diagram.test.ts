import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toDot, toHtml, toMermaid, topologyGraphs } from '../../../apps/observability/topology-diagram.ts';
import { Consumed, Materialized, Produced } from '../../../topology/options.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import { J, L, S } from '../../helpers/driver.ts';

function countBySymbol() {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  b.globalTable('halts', Consumed.with(S, J), Materialized.as('halts-store'));
  b.stream<string, { symbol: string }>('orders', Consumed.with(S, J))
    .groupBy((_k, v) => v.symbol, { name: 'by-symbol', keySerde: S, valueSerde: J })
    .count(Materialized.as('counts'))
    .toStream()
    .to('counts-out', Produced.with(S, L));
  return b.build().describe();
}

describe('topology diagrams', () => {
  it('makes one graph per sub-topology with topics and stores as nodes', () => {
    const graphs = topologyGraphs(countBySymbol());
    expect(graphs.map((g) => g.title)).toEqual(['Sub-topology 0', 'Sub-topology 1', 'Sub-topology 2 (global store)']);
    const second = graphs[1];
    const label = (id: string) => second.nodes.find((n) => n.id === id)!.label;
    const edges = second.edges.map((e) => `${label(e.from)} ${e.dashed ? '-.-' : '->'} ${label(e.to)}`);
    expect(edges).toContain('by-symbol-repartition -> by-symbol-repartition-source');
    expect(edges.some((e) => /-\.- counts$/.test(e))).toBe(true);
    expect(edges.some((e) => / -> counts-out$/.test(e))).toBe(true);
    expect(second.nodes.filter((n) => n.kind === 'store').map((n) => n.label)).toEqual(['counts']);
  });

  it('writes DOT with clusters, shapes and dashed store edges', () => {
    const dot = toDot(countBySymbol(), 'counts "app"');
    expect(dot).toMatch(/^digraph "counts \\"app\\"" \{\n {2}rankdir=LR;/);
    expect(dot).toContain('label="Sub-topology 1";');
    expect(dot).toMatch(/\[label="counts", shape=cylinder/);
    expect(dot).toMatch(/\[label="orders", shape=parallelogram/);
    expect(dot).toMatch(/ -> g1n\d+ \[style=dashed, arrowhead=none\];/);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('writes Mermaid with subgraphs and quoted labels', () => {
    const mermaid = toMermaid(countBySymbol());
    expect(mermaid.split('\n')[0]).toBe('flowchart LR');
    expect(mermaid).toContain('subgraph g0n0_box["Sub-topology 0"]');
    expect(mermaid).toMatch(/g1n\d+\[\("counts"\)\]/);
    expect(mermaid).toMatch(/g0n\d+\[\/"orders"\/\]/);
    expect(mermaid.match(/^ {2}subgraph/gm)).toHaveLength(3);
    expect(mermaid.match(/^ {2}end$/gm)).toHaveLength(3);
  });

  it('writes a self-contained page: inline SVG, no script, nothing fetched', () => {
    const html = toHtml(countBySymbol(), '<counts>');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>&lt;counts&gt; topology</title>');
    expect(html).toMatch(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+(\.\d+)?" height="\d+"/);
    expect(html).not.toMatch(/<script|<link|src=|@import/i);
    expect(html.replace('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    expect(html.match(/<g class="node /g)!.length).toBe(topologyGraphs(countBySymbol()).reduce((n, g) => n + g.nodes.length, 0));
  });

  it('is what `risk-streams describe <app> --format …` prints', () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(import.meta.dirname, '../../../bin/risk-streams.ts'), 'describe', ...args], { encoding: 'utf8' });
    const dot = cli('order-router', '--format', 'dot');
    expect(dot.status).toBe(0);
    expect(dot.stdout).toMatch(/^digraph "order-router"/);
    expect(dot.stdout).toContain('label="route"');
    expect(cli('enforcement', '--format', 'mermaid').stdout).toMatch(/^flowchart LR\n/);
    expect(cli('margin', '--format', 'html').stdout).toContain('<svg');
    expect(cli('order-router').stdout).toMatch(/^Topologies:/);
    const bad = cli('order-router', '--format', 'png');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format must be one of text, dot, mermaid, html');
  });
});
