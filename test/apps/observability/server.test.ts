import { afterEach, describe, expect, it } from 'vitest';
import { StreamsMetrics } from '../../../common/metrics.ts';
import { buildObservabilityServer, startObservabilityServer } from '../../../apps/observability/server.ts';
import { buildOrderRouter } from '../../../apps/order-router/topology.ts';
import { StreamsState } from '../../../runtime/embedded/embedded-streams-app.ts';

function observed(state: string = StreamsState.RUNNING, restored = true) {
  const app = { config: { applicationId: 'order-router' }, metrics: new StreamsMetrics(), state, taskStores: () => [] };
  app.metrics.sensor('orders_routed', { decision: 'ALLOW', scope_type: 'NONE' }).record();
  return { name: 'order-router', app, topology: buildOrderRouter(), restored: () => restored };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe('observability server', () => {
  it('serves the app metrics in the Prometheus text format', async () => {
    const { server } = buildObservabilityServer({ observed: observed() });
    closers.push(() => server.close());
    const response = await server.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('risk_orders_routed_total{decision="ALLOW",scope_type="NONE",app="order-router"} 1');
    expect(response.body).toContain('process_cpu_user_seconds_total');
  });

  it('is live unless the app is in ERROR', async () => {
    for (const [state, code] of [
      [StreamsState.REBALANCING, 200],
      [StreamsState.RUNNING, 200],
      [StreamsState.ERROR, 503],
    ] as const) {
      const { server } = buildObservabilityServer({ observed: observed(state) });
      closers.push(() => server.close());
      const response = await server.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode, state).toBe(code);
      expect(response.json()).toMatchObject({ state, status: code === 200 ? 'UP' : 'DOWN' });
    }
  });

  it('is ready only when RUNNING and restored', async () => {
    for (const [state, restored, code] of [
      [StreamsState.RUNNING, true, 200],
      [StreamsState.RUNNING, false, 503],
      [StreamsState.REBALANCING, true, 503],
    ] as const) {
      const { server } = buildObservabilityServer({ observed: observed(state, restored) });
      closers.push(() => server.close());
      const response = await server.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode, `${state} restored=${restored}`).toBe(code);
    }
  });

  it('describes the topology as text, DOT, Mermaid or a page', async () => {
    const { server } = buildObservabilityServer({ observed: observed() });
    closers.push(() => server.close());
    const text = await server.inject({ method: 'GET', url: '/topology' });
    expect(text.body).toBe(buildOrderRouter().describe().toString());
    expect((await server.inject({ method: 'GET', url: '/topology?format=dot' })).body).toMatch(/^digraph "order-router" \{/);
    expect((await server.inject({ method: 'GET', url: '/topology?format=mermaid' })).body).toMatch(/^flowchart LR/);
    const html = await server.inject({ method: 'GET', url: '/topology?format=html' });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await server.inject({ method: 'GET', url: '/topology?format=png' })).statusCode).toBe(400);
  });

  it('listens on the loopback interface', async () => {
    const running = await startObservabilityServer({ observed: observed(), port: 0 });
    closers.push(() => running.close());
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${running.url}/health`);
    expect(response.status).toBe(200);
  });
});
