// One app's operational endpoints, on the loopback interface by default:
//   GET /metrics   Prometheus text (engine, risk and Node process metrics of this app only)
//   GET /health    liveness: 200 unless the app is in ERROR
//   GET /ready     readiness: 200 once RUNNING with its stores restored, else 503
//   GET /topology  describe() as text, or ?format=dot|mermaid|html
// A process without a topology (the live generator) gets only /health and /metrics.

import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { type ObservableStreamsApp, streamsRegistry } from '../../runtime/metrics/prometheus.ts';
import type { Topology } from '../../topology/topology.ts';
import { RISK_METRICS } from './risk-metrics.ts';
import { DIAGRAM_FORMATS, type DiagramFormat, renderDiagram } from './topology-diagram.ts';

export interface ObservedApp {
  readonly name: string;
  readonly app: ObservableStreamsApp;
  readonly topology: Topology;
  /** Beyond RUNNING: whatever else must hold before the app takes traffic (default: nothing). */
  readonly restored?: () => boolean;
}

export interface ObservabilityServerOptions {
  readonly observed: ObservedApp;
  /** Default: a registry with the engine's and the risk apps' metrics and Node's defaults. */
  readonly registry?: Registry;
  readonly logger?: Logger;
}

export interface RunningServer {
  readonly url: string;
  readonly registry: Registry;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<DiagramFormat, string> = {
  text: 'text/plain; charset=utf-8',
  dot: 'text/vnd.graphviz; charset=utf-8',
  mermaid: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

export function buildObservabilityServer(options: ObservabilityServerOptions): { server: FastifyInstance; registry: Registry } {
  const { observed } = options;
  const registry = options.registry ?? streamsRegistry(observed.app, { specs: RISK_METRICS });
  // fastify's logger stays off: a scrape every few seconds is not worth a line, and errors go to ours.
  const server = Fastify({ logger: false });
  const description = observed.topology.describe();

  server.setErrorHandler((error: Error, request, reply) => {
    options.logger?.error({ app: observed.name, url: request.url, err: error.message }, 'observability request failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  server.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  server.get('/health', async (_request, reply) => {
    const state = observed.app.state;
    return reply.code(state === 'ERROR' ? 503 : 200).send({ status: state === 'ERROR' ? 'DOWN' : 'UP', app: observed.name, state });
  });

  server.get('/ready', async (_request, reply) => {
    const state = observed.app.state;
    const restored = observed.restored?.() ?? true;
    const ready = state === 'RUNNING' && restored;
    return reply.code(ready ? 200 : 503).send({ ready, app: observed.name, state, restored });
  });

  server.get('/topology', async (request, reply) => {
    const { format = 'text' } = request.query as { format?: string };
    if (!(DIAGRAM_FORMATS as readonly string[]).includes(format)) {
      return reply.code(400).send({ error: `format must be one of ${DIAGRAM_FORMATS.join(', ')} (got ${JSON.stringify(format)})` });
    }
    // The page has no script: a policy that forbids any keeps it that way if it is ever served elsewhere.
    if (format === 'html') reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return reply.type(CONTENT_TYPES[format as DiagramFormat]).send(renderDiagram(description, format as DiagramFormat, observed.name));
  });

  return { server, registry };
}

/** Listens on `host:port` (port 0: any free one); the URL returned has the port actually bound. */
export async function startObservabilityServer(options: ObservabilityServerOptions & { port?: number; host?: string }): Promise<RunningServer> {
  const { server, registry } = buildObservabilityServer(options);
  return listen(server, registry, options.host, options.port);
}

export interface HealthServerOptions {
  readonly name: string;
  /** GET /health answers 503 while this is false. */
  readonly healthy: () => boolean;
  readonly registry: Registry;
  readonly port?: number;
  readonly host?: string;
  readonly logger?: Logger;
}

/** /health and /metrics for a process that runs no topology (the live generator). */
export async function startHealthServer(options: HealthServerOptions): Promise<RunningServer> {
  const server = Fastify({ logger: false });
  server.setErrorHandler((error: Error, request, reply) => {
    options.logger?.error({ app: options.name, url: request.url, err: error.message }, 'health request failed');
    return reply.code(500).send({ error: 'internal error' });
  });
  server.get('/metrics', async (_request, reply) => reply.type(options.registry.contentType).send(await options.registry.metrics()));
  server.get('/health', async (_request, reply) => {
    const up = options.healthy();
    return reply.code(up ? 200 : 503).send({ status: up ? 'UP' : 'DOWN', app: options.name });
  });
  return listen(server, options.registry, options.host, options.port);
}

async function listen(server: FastifyInstance, registry: Registry, host = '127.0.0.1', port = 9464): Promise<RunningServer> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`metrics port must be an integer from 0 to 65535, got ${port}`);
  await server.listen({ host, port });
  const address = server.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`, registry, close: () => server.close() };
}
