// What every process `risk-streams run` starts has in common: where its brokers, name and health endpoint come
// from (flags over environment over defaults, each value checked), and how SIGTERM ends it — one close within
// SHUTDOWN_TIMEOUT_MS, exit 0 only when everything closed cleanly.

import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { parseBrokers } from '../../runtime/kafka/connection-env.ts';

export interface ServiceSettings {
  /** Names the process on the cluster: its client id, and for a streams app its group and name prefixes. */
  readonly applicationId: string;
  /** From --brokers; empty means KAFKA_BROKERS. */
  readonly brokers: readonly string[];
  /** The whole close must fit in this. */
  readonly shutdownTimeoutMs: number;
}

export interface HealthSettings {
  /** null: no health endpoint. */
  readonly healthPort: number | null;
  readonly healthHost: string;
}

export const serviceFlags = { brokers: 'string', 'application-id': 'string' } as const;
export const healthFlags = { 'health-port': 'number' } as const;

export const defaultServiceSettings = {
  shutdownTimeoutMs: 30_000,
  healthHost: '127.0.0.1',
} satisfies Partial<ServiceSettings & HealthSettings>;

type Flags = Record<string, string | number | boolean>;

export function integer(value: string | number | undefined, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${what}: must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export const nonEmpty = (v: string | number | boolean | undefined): string | undefined => (typeof v !== 'string' || v.trim() === '' ? undefined : v.trim());

/** --brokers, --application-id (or KAFKA_APPLICATION_ID), SHUTDOWN_TIMEOUT_MS. */
export function serviceSettings(flags: Flags, env: NodeJS.ProcessEnv, defaultApplicationId: string): ServiceSettings {
  return {
    applicationId: nonEmpty(flags['application-id']) ?? nonEmpty(env.KAFKA_APPLICATION_ID) ?? defaultApplicationId,
    brokers: typeof flags.brokers === 'string' ? parseBrokers(flags.brokers, '--brokers') : [],
    shutdownTimeoutMs: integer(env.SHUTDOWN_TIMEOUT_MS, 'SHUTDOWN_TIMEOUT_MS', 1000) ?? defaultServiceSettings.shutdownTimeoutMs,
  };
}

/** --health-port (or HEALTH_PORT), HEALTH_HOST. */
export function healthSettings(flags: Flags, env: NodeJS.ProcessEnv): HealthSettings {
  const healthPort =
    flags['health-port'] !== undefined ? integer(flags['health-port'] as number, '--health-port', 0, 65_535) : integer(env.HEALTH_PORT, 'HEALTH_PORT', 0, 65_535);
  return { healthPort: healthPort ?? null, healthHost: nonEmpty(env.HEALTH_HOST) ?? defaultServiceSettings.healthHost };
}

export interface Lifecycle {
  /** Resolves with the process's exit code once it has shut down. */
  readonly exited: Promise<number>;
  /** Closes once (later calls get the same result); `failed` makes the exit code 1 whatever the close does. */
  shutdown(reason: string, failed?: boolean): Promise<number>;
}

/**
 * One shutdown path for SIGTERM, SIGINT (when `handleSignals`) and failures: `close` runs once and must report
 * success within `timeoutMs`, else the exit code is 1.
 */
export function shutdownLifecycle(log: Logger, timeoutMs: number, close: () => Promise<boolean>, handleSignals: boolean): Lifecycle {
  const { promise: exited, resolve: exit } = Promise.withResolvers<number>();
  let shuttingDown: Promise<number> | null = null;
  const shutdown = (reason: string, failed = false): Promise<number> => {
    shuttingDown ??= (async () => {
      const started = performance.now();
      log.info({ reason, timeoutMs }, 'shutting down');
      let timer: NodeJS.Timeout | undefined;
      const overran = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
      });
      const closed = await Promise.race([
        close().catch((error: unknown) => {
          log.error({ err: error instanceof Error ? error.message : String(error) }, 'close failed');
          return false;
        }),
        overran,
      ]);
      clearTimeout(timer);
      const code = failed || !closed ? 1 : 0;
      log.info({ reason, closed, code, ms: Math.round(performance.now() - started) }, 'shut down');
      exit(code);
      return code;
    })();
    return shuttingDown;
  };
  if (handleSignals) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal));
  }
  return { exited, shutdown };
}
