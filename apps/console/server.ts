// The operator console's HTTP side: a JSON API over a ConsoleBackend and the page that drives it, served by
// fastify on the loopback interface unless told otherwise. Reads are open to whoever reaches the server, and
// it answers only to the host names it was given; every write needs the bearer token, because a kill or unkill
// changes what orders reach the market.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { ConfigError } from '../../common/errors.ts';
import { type Logger, consoleLogger } from '../../common/logger.ts';
import { type Clock, systemClock } from '../../common/time.ts';
import type { KillCommand } from '../schemas/records.ts';
import { type ConsoleBackend, MARGIN_STATUSES } from './backend.ts';
import { operatorCommand, parseOperatorRequest } from './operator-command.ts';

export interface ConsoleOptions {
  readonly backend: ConsoleBackend;
  /** The bearer token writes must carry. Default: the CONSOLE_TOKEN environment variable. */
  readonly token?: string;
  /** Default 8088; 0 picks a free port. */
  readonly port?: number;
  /**
   * The address to listen on; default 127.0.0.1. Any address other than a loopback one needs `allowedHosts`,
   * the names clients reach it by (behind a load balancer: the balancer's DNS name).
   */
  readonly host?: string;
  /**
   * Host names (or IP addresses) the console answers to besides the loopback ones; a request with any other
   * Host header gets 421, so a rebound DNS name cannot let a web page read the console. Default none.
   */
  readonly allowedHosts?: readonly string[];
  /** Served as GET /metrics when given. */
  readonly metrics?: Registry;
  readonly clock?: Clock;
  /** Source of cmd_id and corr_id; default random UUIDs. */
  readonly newId?: () => string;
  readonly logger?: Logger;
}

export interface RunningConsole {
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_DROPS_LIMIT = 50;
export const MAX_DROPS_LIMIT = 1000;

const STATIC_FILES = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;


/** The configured server without listening: tests call `inject` on it, startConsole listens. */
export function buildConsoleServer(options: Omit<ConsoleOptions, 'port' | 'host'>): FastifyInstance {
  const backend = options.backend;
  const allowedHosts = new Set(parseAllowedHosts(options.allowedHosts ?? [], 'allowedHosts'));
  const checkToken = tokenChecker(resolveToken(options.token));
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? consoleLogger('warn', { service: 'console' });
  const pages = new Map(
    Object.entries(STATIC_FILES).map(([path, { file, type }]) => [path, { type, body: readFileSync(new URL(`./public/${file}`, import.meta.url)) }]),
  );

  // fastify's own logger stays off: it would log request headers, and one of them is the token.
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });

  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    // Liveness says nothing about the console's data, and a load balancer probes it by the task's IP address.
    if (request.routeOptions.url === HEALTH_PATH) return undefined;
    // A browser sends the name it resolved; any name the console was not given is a rebound DNS name or a
    // proxy letting a web page read (and race) the console.
    const hostname = unbracket((request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase());
    if (!isLoopback(hostname) && !allowedHosts.has(hostname)) {
      const names = ['127.0.0.1', 'localhost', '[::1]', ...[...allowedHosts].map((h) => (h.includes(':') ? `[${h}]` : h))];
      return reply.code(421).send({ error: `the console answers only to the host names ${names.join(', ')}` });
    }
    return undefined;
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) log.error({ method: request.method, url: request.url, err: error.message }, 'console request failed');
    return reply.code(status).send({ error: status === 500 ? 'internal error: see the console log' : error.message });
  });

  for (const [path, page] of pages) {
    app.get(path, async (_request, reply) => reply.type(page.type).send(page.body));
  }

  app.get(HEALTH_PATH, async () => ({ status: 'UP', app: 'console' }));
  const metrics = options.metrics;
  if (metrics !== undefined) app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));

  app.get('/api/killswitch', async () => ({ states: await backend.killSwitchStates() }));

  app.get('/api/accounts', async (request, reply) => {
    const { status } = request.query as { status?: string };
    const groups = await backend.accountsByStatus();
    if (status === undefined) return groups;
    if (!(MARGIN_STATUSES as readonly string[]).includes(status)) {
      return reply.code(400).send({ error: `status must be one of ${MARGIN_STATUSES.join(', ')} (got ${JSON.stringify(status)})` });
    }
    return { [status]: groups[status as keyof typeof groups] };
  });

  app.get('/api/accounts/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const account = await backend.account(id);
    if (account === null) return reply.code(404).send({ error: `no margin or enforcement record for account ${JSON.stringify(id)}` });
    return account;
  });

  app.get('/api/drops', async (request, reply) => {
    const { limit: raw } = request.query as { limit?: string };
    const limit = raw === undefined ? DEFAULT_DROPS_LIMIT : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DROPS_LIMIT) {
      return reply.code(400).send({ error: `limit must be an integer from 1 to ${MAX_DROPS_LIMIT} (got ${JSON.stringify(raw)})` });
    }
    return { drops: await backend.recentDrops(limit) };
  });

  const write = (action: KillCommand['action']) => async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = parseOperatorRequest(request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    const command = operatorCommand(action, parsed.request, { clock, newId: options.newId });
    await backend.submitCommand(command);
    log.info({ action, scope: command.scope, operator: command.operator, cmd_id: command.cmd_id }, 'operator command written');
    // Accepted, not applied: the aggregator applies it when it reads the command topic.
    return reply.code(202).send({ command });
  };
  // The token is checked before the body is parsed, so an unauthenticated caller learns nothing from a 400.
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkToken(request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="risk-streams console"')
        .send({ error: 'a valid bearer token is required: Authorization: Bearer <CONSOLE_TOKEN>' });
    }
    return undefined;
  };
  app.post('/api/kill', { onRequest: authenticate }, write('KILL'));
  app.post('/api/unkill', { onRequest: authenticate }, write('UNKILL'));

  return app;
}

/**
 * Starts the console, on a loopback address unless `allowedHosts` names how it is reached from elsewhere. The URL
 * it returns has the port actually bound.
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const host = options.host ?? '127.0.0.1';
  checkConsoleHost(host, parseAllowedHosts(options.allowedHosts ?? [], 'allowedHosts'));
  const port = options.port ?? 8088;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`console port must be an integer from 0 to 65535, got ${port}`);
  const app = buildConsoleServer(options);
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${bound}`, close: () => app.close() };
}

function resolveToken(token: string | undefined): string {
  const resolved = token ?? process.env.CONSOLE_TOKEN;
  if (resolved === undefined || resolved.trim() === '') {
    throw new ConfigError('console token is not set: pass `token` or set CONSOLE_TOKEN (writes are refused without one)');
  }
  return resolved;
}

/** Compares digests in constant time, so neither the token's content nor its length leaks through timing. */
function tokenChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (authorization) => {
    const match = /^Bearer (.+)$/i.exec(authorization ?? '');
    if (match === null) return false;
    return timingSafeEqual(createHash('sha256').update(match[1]).digest(), expected);
  };
}

export const HEALTH_PATH = '/health';

/** Listening beyond loopback is allowed only with the names clients use, which the Host check then admits. */
export function checkConsoleHost(host: string, allowedHosts: readonly string[]): void {
  if (isLoopback(host) || allowedHosts.length > 0) return;
  throw new ConfigError(
    `console host ${JSON.stringify(host)} is not a loopback address: to serve beyond this machine, name the host names clients use in allowedHosts (CONSOLE_ALLOWED_HOSTS)`,
  );
}

const unbracket = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

const HOST_NAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$|^[0-9a-f:.]*:[0-9a-f:.]*$/;

/** Names as a Host header carries them (no port, no wildcard), lower-cased and IPv6 unbracketed; `source` names the setting. */
export function parseAllowedHosts(hosts: readonly string[], source: string): string[] {
  return hosts.map((raw) => {
    const host = unbracket(raw.trim().toLowerCase());
    if (!HOST_NAME.test(host)) throw new ConfigError(`${source}: ${JSON.stringify(raw)} is not a host name or IP address (no port, no wildcard)`);
    return host;
  });
}

function isLoopback(host: string): boolean {
  return host === '::1' || host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
