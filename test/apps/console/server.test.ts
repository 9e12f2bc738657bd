import type { FastifyInstance } from 'fastify';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedConsoleBackend } from '../../../apps/console/backend.ts';
import { buildConsoleServer, HEALTH_PATH, parseAllowedHosts, startConsole } from '../../../apps/console/server.ts';
import { type Pipeline, runPipeline } from '../../../apps/pipeline.ts';
import { KillCommand } from '../../../apps/schemas/records.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { ConfigError } from '../../../common/errors.ts';
import type { Logger } from '../../../common/logger.ts';
import { ManualClock } from '../../../common/time.ts';
import { T0, consolePipeline, count, margin, order, pipeMargin, pipeOrder } from './fixtures.ts';

const TOKEN = 's3cret-console-token';
const auth = { authorization: `Bearer ${TOKEN}` };

const servers: FastifyInstance[] = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
});

function setup() {
  const pipeline = consolePipeline({ partitions: 3 });
  const backend = new EmbeddedConsoleBackend(pipeline);
  const clock = new ManualClock(T0);
  let ids = 0;
  const server = buildConsoleServer({ backend, token: TOKEN, clock, newId: () => `id-${++ids}` });
  servers.push(server);
  const post = (path: string, payload: unknown, headers: Record<string, string> = auth) =>
    server.inject({ method: 'POST', url: path, payload: payload as object, headers });
  const get = async (url: string) => {
    const response = await server.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() };
  };
  return { pipeline, backend, clock, server, post, get };
}

/** Every command on the topic, decoded. */
function commands(pipeline: Pipeline): KillCommand[] {
  const out: KillCommand[] = [];
  for (let p = 0; p < pipeline.cluster.partitionsFor(Topics.KILLSWITCH_COMMANDS); p++) {
    for (const r of pipeline.cluster.read(Topics.KILLSWITCH_COMMANDS, p, 0n, 1000)) out.push(KillCommand.parse(JSON.parse(r.value!.toString())));
  }
  return out;
}

const body = { scope: 'ACCOUNT:42', reason: 'runaway algo', operator: 'alice' };

describe('console API: writes', () => {
  it('refuses a write without the right bearer token with 401, before looking at the body', async () => {
    const { post, pipeline } = setup();
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: 'Bearer ' },
    ];
    for (const headers of attempts) {
      for (const path of ['/api/kill', '/api/unkill']) {
        const response = await post(path, body, headers);
        expect(response.statusCode, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(response.json().error).toMatch(/bearer token/);
        expect(response.body).not.toContain(TOKEN);
      }
    }
    // An invalid body without a token is still a 401: the caller learns nothing about validation.
    expect((await post('/api/kill', { scope: 'NOPE' }, {})).statusCode).toBe(401);
    expect(count(pipeline, Topics.KILLSWITCH_COMMANDS)).toBe(0);
  });

  it.each([
    [{ ...body, scope: 'EVERYTHING' }, 'scope must be GLOBAL, ACCOUNT:<account_id> or SYMBOL:<symbol> (got "EVERYTHING")'],
    [{ ...body, scope: 'ACCOUNT:' }, 'scope must be GLOBAL, ACCOUNT:<account_id> or SYMBOL:<symbol> (got "ACCOUNT:")'],
    [{ ...body, scope: 'ACCOUNT: 42' }, 'scope must be GLOBAL, ACCOUNT:<account_id> or SYMBOL:<symbol> (got "ACCOUNT: 42")'],
    [{ ...body, scope: 'account:42' }, 'scope must be GLOBAL, ACCOUNT:<account_id> or SYMBOL:<symbol> (got "account:42")'],
    [{ ...body, scope: 'global' }, 'scope must be GLOBAL, ACCOUNT:<account_id> or SYMBOL:<symbol> (got "global")'],
    [{ reason: 'x', operator: 'alice' }, 'scope is required'],
    [{ ...body, scope: 42 }, 'scope must be a string'],
    [{ scope: 'GLOBAL', operator: 'alice' }, 'reason is required'],
    [{ ...body, reason: '   ' }, 'reason must not be empty'],
    [{ scope: 'GLOBAL', reason: 'x' }, 'operator is required'],
    [{ ...body, operator: '' }, 'operator must not be empty'],
    [{ ...body, operator: 'x'.repeat(101) }, 'operator must be at most 100 characters'],
    [['GLOBAL'], 'body must be a JSON object with scope, reason and operator'],
  ])('refuses %j with 400 and the reason', async (payload, reason) => {
    const { post, pipeline } = setup();
    const response = await post('/api/kill', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: reason });
    expect(count(pipeline, Topics.KILLSWITCH_COMMANDS)).toBe(0);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const { server } = setup();
    const response = await server.inject({ method: 'POST', url: '/api/kill', payload: '{"scope":', headers: { ...auth, 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatch(/JSON/);
  });

  it('writes an operator command with fresh ids, the clock’s time, keyed by scope, and answers 202', async () => {
    const { post, pipeline, clock } = setup();
    const kill = await post('/api/kill', { scope: 'SYMBOL:NVDA', reason: '  fat finger  ', operator: 'alice' });
    expect(kill.statusCode).toBe(202);
    const expected = {
      cmd_id: 'id-1',
      ts: T0,
      scope: 'SYMBOL:NVDA',
      action: 'KILL',
      reason: 'fat finger',
      triggered_by: 'operator',
      operator: 'alice',
      corr_id: 'id-2',
    };
    expect(kill.json()).toEqual({ command: expected });
    clock.advance(5000);
    const unkill = await post('/api/unkill', { scope: 'SYMBOL:NVDA', reason: 'resolved', operator: 'bob' });
    expect(unkill.statusCode).toBe(202);
    expect(commands(pipeline)).toEqual([
      expected,
      { cmd_id: 'id-3', ts: T0 + 5000, scope: 'SYMBOL:NVDA', action: 'UNKILL', reason: 'resolved', triggered_by: 'operator', operator: 'bob', corr_id: 'id-4' },
    ]);
  });
});

describe('console API: a kill, end to end through the apps', () => {
  it('kill ACCOUNT:42 → aggregator applies it → the account’s orders are dropped and listed; unkill lets them through', async () => {
    const { post, get, pipeline, clock } = setup();
    expect((await get('/api/killswitch')).body).toEqual({ states: [] });

    expect((await post('/api/kill', body)).statusCode).toBe(202);
    // Accepted is not applied: until the aggregator runs, no state.
    expect((await get('/api/killswitch')).body).toEqual({ states: [] });
    runPipeline(pipeline);
    expect((await get('/api/killswitch')).body).toEqual({
      states: [{ scope: 'ACCOUNT:42', status: 'KILLED', updated_ts: T0, updated_by: 'operator:alice', reason: 'runaway algo', last_cmd_id: 'id-1', corr_id: 'id-2' }],
    });

    pipeOrder(pipeline, order({ order_id: 'o-dropped', account_id: '42', ts: T0 + 10 }));
    pipeOrder(pipeline, order({ order_id: 'o-other', account_id: '7', ts: T0 + 11 }));
    runPipeline(pipeline);
    const drops = await get('/api/drops');
    expect(drops.status).toBe(200);
    expect(drops.body).toEqual({
      drops: [
        {
          ts: T0 + 10,
          decision: 'DROP',
          order_id: 'o-dropped',
          account_id: '42',
          symbol: 'NVDA',
          scope_matches: ['ACCOUNT:42'],
          killswitch_status: 'KILLED',
          reason: 'runaway algo',
          corr_id: 'id-2',
          service: 'order_router',
        },
      ],
    });

    clock.advance(60_000);
    expect((await post('/api/unkill', { ...body, reason: 'algo fixed', operator: 'bob' })).statusCode).toBe(202);
    runPipeline(pipeline);
    expect((await get('/api/killswitch')).body.states[0]).toMatchObject({ scope: 'ACCOUNT:42', status: 'ACTIVE', updated_by: 'operator:bob', reason: 'algo fixed' });
    pipeOrder(pipeline, order({ order_id: 'o-after', account_id: '42', ts: T0 + 70_000 }));
    runPipeline(pipeline);
    expect((await get('/api/drops')).body.drops.map((d: { order_id: string }) => d.order_id)).toEqual(['o-dropped']);
  });
});

describe('console API: reads', () => {
  it('lists drops up to ?limit and refuses a bad limit', async () => {
    const { post, get, pipeline } = setup();
    await post('/api/kill', { ...body, scope: 'GLOBAL' });
    runPipeline(pipeline);
    for (let i = 0; i < 60; i++) pipeOrder(pipeline, order({ order_id: `o-${i}`, ts: T0 + 1 + i }));
    runPipeline(pipeline);
    expect((await get('/api/drops')).body.drops).toHaveLength(50);
    const two = await get('/api/drops?limit=2');
    expect(two.body.drops.map((d: { order_id: string }) => d.order_id)).toEqual(['o-59', 'o-58']);
    for (const bad of ['0', '-1', '1.5', 'abc', '1001', '']) {
      const response = await get(`/api/drops?limit=${bad}`);
      expect(response.status, bad).toBe(400);
      expect(response.body.error).toMatch(/^limit must be an integer from 1 to 1000/);
    }
  });

  it('serves an account’s margin, positions and enforcement status, and accounts grouped by status', async () => {
    const { get, pipeline } = setup();
    pipeMargin(pipeline, margin('A1', -320_000, 400_000)); // excess −20,000
    pipeMargin(pipeline, margin('B2', 100_000, 50_000));
    runPipeline(pipeline);

    const a1 = await get('/api/accounts/A1');
    expect(a1.status).toBe(200);
    expect(a1.body).toMatchObject({ account_id: 'A1', margin: { excess: -20_000, equity: 80_000 }, positions: [], enforcement: { status: 'MARGIN_CALL' } });
    const missing = await get('/api/accounts/nobody');
    expect(missing).toEqual({ status: 404, body: { error: 'no margin or enforcement record for account "nobody"' } });

    const all = await get('/api/accounts');
    expect(all.body).toEqual({
      ACTIVE: [{ account_id: 'B2', status: 'ACTIVE', excess: 137_500, equity: 150_000 }],
      WARNING: [],
      MARGIN_CALL: [{ account_id: 'A1', status: 'MARGIN_CALL', excess: -20_000, equity: 80_000 }],
      RESTRICTED: [],
      LIQUIDATING: [],
    });
    expect((await get('/api/accounts?status=MARGIN_CALL')).body).toEqual({ MARGIN_CALL: all.body.MARGIN_CALL });
    const bad = await get('/api/accounts?status=BROKE');
    expect(bad).toEqual({ status: 400, body: { error: 'status must be one of ACTIVE, WARNING, MARGIN_CALL, RESTRICTED, LIQUIDATING (got "BROKE")' } });
  });

  it('serves the page and its assets with a strict content security policy', async () => {
    const { server } = setup();
    const page = await server.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<title>Operator console');
    expect(page.body).not.toMatch(/https?:\/\//); // no CDN, nothing fetched from elsewhere
    const script = await server.inject({ method: 'GET', url: '/console.js' });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain("fetch(`/api/${action}`");
    expect((await server.inject({ method: 'GET', url: '/console.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers only to loopback host names, so a rebound DNS name cannot read it from a browser', async () => {
    const { server } = setup();
    const evil = await server.inject({ method: 'GET', url: '/api/killswitch', headers: { host: 'evil.example:8088' } });
    expect(evil.statusCode).toBe(421);
    for (const host of ['127.0.0.1:8088', 'localhost:8088', '[::1]:8088', 'localhost']) {
      expect((await server.inject({ method: 'GET', url: '/api/killswitch', headers: { host } })).statusCode, host).toBe(200);
    }
    for (const host of ['10.40.1.17:8088', 'internal-risk-console-1.us-east-1.elb.amazonaws.com']) {
      expect((await server.inject({ method: 'GET', url: '/', headers: { host } })).statusCode, host).toBe(421);
    }
  });

  it('answers /health to any Host, as a load balancer probing the task by its IP address sends', async () => {
    const { server } = setup();
    for (const host of ['10.40.1.17:8088', 'localhost:8088', 'evil.example']) {
      const health = await server.inject({ method: 'GET', url: HEALTH_PATH, headers: { host } });
      expect({ host, status: health.statusCode, body: health.json() }).toEqual({ host, status: 200, body: { status: 'UP', app: 'console' } });
    }
    // Only that path: the same foreign Host still reads nothing else.
    expect((await server.inject({ method: 'GET', url: '/api/accounts', headers: { host: '10.40.1.17:8088' } })).statusCode).toBe(421);
  });

  it('answers to the allowed host names too, given explicitly, and to no other', async () => {
    const pipeline = consolePipeline();
    const server = buildConsoleServer({
      backend: new EmbeddedConsoleBackend(pipeline),
      token: TOKEN,
      allowedHosts: ['Internal-Risk-Console-1.us-east-1.elb.amazonaws.com', 'risk-console.example.com', '[fd00::17]'],
    });
    servers.push(server);
    const status = async (host: string) => (await server.inject({ method: 'GET', url: '/api/killswitch', headers: { host } })).statusCode;
    expect(await status('internal-risk-console-1.us-east-1.elb.amazonaws.com')).toBe(200);
    expect(await status('RISK-CONSOLE.example.com:443')).toBe(200);
    expect(await status('[fd00::17]:8088')).toBe(200);
    expect(await status('127.0.0.1:8088')).toBe(200);
    expect(await status('evil.example')).toBe(421);
    expect(await status('console.example.com')).toBe(421);
    const refused = await server.inject({ method: 'GET', url: '/api/killswitch', headers: { host: 'evil.example' } });
    expect(refused.json().error).toContain('risk-console.example.com');
    // Writes still need the token, whoever the host.
    const write = await server.inject({ method: 'POST', url: '/api/kill', payload: body, headers: { host: 'risk-console.example.com' } });
    expect(write.statusCode).toBe(401);
  });

  it('takes host names and addresses as a Host header carries them, never a port or a wildcard', () => {
    expect(parseAllowedHosts([' Console.Example.com ', '10.0.0.5', '[FD00::1]'], 'CONSOLE_ALLOWED_HOSTS')).toEqual(['console.example.com', '10.0.0.5', 'fd00::1']);
    for (const bad of ['console.example.com:443', '*.example.com', 'http://console', '', 'a b']) {
      expect(() => parseAllowedHosts([bad], 'CONSOLE_ALLOWED_HOSTS'), bad).toThrow(/^CONSOLE_ALLOWED_HOSTS: /);
    }
  });

  it('serves /metrics only when given a registry', async () => {
    const { server } = setup();
    expect((await server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    const registry = new Registry();
    new Counter({ name: 'console_probe_total', help: 'A probe.', registers: [registry] }).inc();
    const withMetrics = buildConsoleServer({ backend: new EmbeddedConsoleBackend(consolePipeline()), token: TOKEN, metrics: registry });
    servers.push(withMetrics);
    const scrape = await withMetrics.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toContain('console_probe_total 1');
  });
});

describe('startConsole', () => {
  it('listens on 127.0.0.1 over real HTTP, with the token from CONSOLE_TOKEN, and never logs it', async () => {
    const pipeline = consolePipeline();
    const lines: string[] = [];
    const logger: Logger = {
      debug: (f, m) => lines.push(JSON.stringify([f, m])),
      info: (f, m) => lines.push(JSON.stringify([f, m])),
      warn: (f, m) => lines.push(JSON.stringify([f, m])),
      error: (f, m) => lines.push(JSON.stringify([f, m])),
      child: () => logger,
    };
    const previous = process.env.CONSOLE_TOKEN;
    process.env.CONSOLE_TOKEN = 'from-the-environment';
    try {
      const running = await startConsole({ backend: new EmbeddedConsoleBackend(pipeline), port: 0, logger });
      try {
        expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const write = (token: string) =>
          fetch(`${running.url}/api/kill`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
        expect((await write('wrong')).status).toBe(401);
        const ok = await write('from-the-environment');
        expect(ok.status).toBe(202);
        expect(((await ok.json()) as { command: KillCommand }).command).toMatchObject({ scope: 'ACCOUNT:42', triggered_by: 'operator', operator: 'alice' });
        expect((await fetch(`${running.url}/api/killswitch`)).status).toBe(200);
      } finally {
        await running.close();
      }
    } finally {
      if (previous === undefined) delete process.env.CONSOLE_TOKEN;
      else process.env.CONSOLE_TOKEN = previous;
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('from-the-environment');
  });

  it('refuses to start without a token or on a non-loopback address', async () => {
    const backend = new EmbeddedConsoleBackend(consolePipeline());
    const previous = process.env.CONSOLE_TOKEN;
    delete process.env.CONSOLE_TOKEN;
    try {
      await expect(startConsole({ backend, port: 0 })).rejects.toThrow(/CONSOLE_TOKEN/);
      await expect(startConsole({ backend, port: 0, token: '  ' })).rejects.toThrow(ConfigError);
    } finally {
      if (previous !== undefined) process.env.CONSOLE_TOKEN = previous;
    }
    await expect(startConsole({ backend, token: TOKEN, port: 0, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(startConsole({ backend, token: TOKEN, port: 0, host: '192.168.1.5' })).rejects.toThrow(ConfigError);
    await expect(startConsole({ backend, token: TOKEN, port: 0, host: '0.0.0.0', allowedHosts: [] })).rejects.toThrow(/allowedHosts \(CONSOLE_ALLOWED_HOSTS\)/);
    await expect(startConsole({ backend, token: TOKEN, port: 0, allowedHosts: ['console:8088'] })).rejects.toThrow(/^allowedHosts: /);
  });
});
