import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/errors.ts';
import { logLevelFromEnv, pinoLogger, REDACTED } from '../../../apps/observability/logger.ts';
import { ManualClock } from '../../../common/time.ts';
import { EmbeddedStreamsApp } from '../../../runtime/embedded/embedded-streams-app.ts';
import { InMemoryCluster } from '../../../runtime/embedded/in-memory-cluster.ts';
import { Consumed } from '../../../topology/options.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import { J, S } from '../../helpers/driver.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('pinoLogger', () => {
  it('writes JSON lines with the app, the task and the record coordinates', () => {
    const { lines, destination } = capture();
    const log = pinoLogger({ level: 'info', app: 'order-router', destination }).child({ task: '0_1' });
    log.warn({ topic: 'orders.v1', partition: 1, offset: '42', corr_id: 'c-9' }, 'processing error, record skipped');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', app: 'order-router', task: '0_1', topic: 'orders.v1', partition: 1, offset: '42', corr_id: 'c-9', msg: 'processing error, record skipped' });
  });

  it('filters by level', () => {
    const { lines, destination } = capture();
    const log = pinoLogger({ level: 'warn', destination });
    log.info({}, 'quiet');
    log.debug({}, 'quieter');
    log.error({}, 'loud');
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
  });

  it('censors tokens, passwords, SASL settings and auth headers, nested or bound', () => {
    const { lines, destination } = capture();
    const log = pinoLogger({ level: 'info', destination }).child({ consoleToken: 'abc123' });
    log.info(
      {
        headers: { authorization: 'Bearer s3cret', host: '127.0.0.1' },
        kafka: { brokers: ['b:9098'], sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' } },
        db_password: 'hunter2',
        note: 'Basic dXNlcjpwYXNz',
        list: [{ apiKey: 'k' }, 'plain'],
      },
      'connect',
    );
    const line = lines[0];
    expect(line.consoleToken).toBe(REDACTED);
    expect(line.headers).toEqual({ authorization: REDACTED, host: '127.0.0.1' });
    expect(line.kafka).toEqual({ brokers: ['b:9098'], sasl: REDACTED });
    expect(line.db_password).toBe(REDACTED);
    expect(line.note).toBe(REDACTED);
    expect(line.list).toEqual([{ apiKey: REDACTED }, 'plain']);
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|hunter2|abc123|dXNlcjpwYXNz/);
  });
});

describe('the engine logging through it', () => {
  it('names the app, the task, the record and its corr_id when it skips a record', () => {
    const { lines, destination } = capture();
    const b = new StreamsBuilder();
    b.stream('orders', Consumed.with(S, J)).to('out');
    const cluster = new InMemoryCluster();
    cluster.createTopic('orders', { partitions: 1 });
    const logger = pinoLogger({ level: 'info', destination }).child({ app: 'order-router' });
    const app = new EmbeddedStreamsApp(b.build(), { applicationId: 'order-router', deserializationExceptionHandler: 'logAndContinue', logger }, cluster, new ManualClock(0));
    app.start();
    cluster.append({ topic: 'orders', partition: 0, key: Buffer.from('k'), value: Buffer.from('{not json'), timestamp: 5, headers: { corr_id: 'c-77' } });
    app.runUntilIdle();
    app.close();
    expect(lines.find((l) => l.msg === 'deserialization error, record skipped')).toMatchObject({
      level: 'warn',
      app: 'order-router',
      task: '0_0',
      topic: 'orders',
      partition: 0,
      offset: '0',
      corr_id: 'c-77',
    });
  });
});

describe('logLevelFromEnv', () => {
  it('reads LOG_LEVEL, defaulting when unset', () => {
    expect(logLevelFromEnv({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({}, 'warn')).toBe('warn');
  });

  it('refuses an unknown level, naming the variable', () => {
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of trace, debug, info/);
  });
});
