// `risk-streams run console`: the operator console on a Kafka cluster (apps/console/kafka-backend.ts), as the
// deployment runs it behind its load balancer. /health and /metrics are on the console's own port; the bearer
// token for writes comes from CONSOLE_TOKEN. On SIGTERM the server stops taking requests, finishes the ones
// in flight and the backend closes, within SHUTDOWN_TIMEOUT_MS.

import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { kafkaConnectionFromEnv } from '../../runtime/kafka/connection-env.ts';
import { KafkaConsoleBackend } from '../console/kafka-backend.ts';
import { checkConsoleHost, parseAllowedHosts, startConsole } from '../console/server.ts';
import { pinoLogger } from '../observability/logger.ts';
import { appNamed } from '../registry.ts';
import { parseFlags } from './commands.ts';
import { integer, nonEmpty, type ServiceSettings, serviceFlags, serviceSettings, shutdownLifecycle } from './run-service.ts';

export interface ConsoleRunSettings extends ServiceSettings {
  readonly port: number;
  readonly host: string;
  /** Host names the console answers to besides the loopback ones (behind a load balancer: its DNS name). */
  readonly allowedHosts: readonly string[];
  /** Names the enforcement store's changelog the backend follows. */
  readonly enforcementApplicationId: string;
}

export const defaultConsoleRunSettings = { port: 8088, host: '127.0.0.1' } satisfies Partial<ConsoleRunSettings>;

export const consoleUsage = `run console [--brokers host:port,…] [--port N] [--host H --allowed-hosts NAME,…] [--enforcement-id ID]
           the operator console on the cluster, loopback only unless --host and the names it is reached by are given;
           env: CONSOLE_TOKEN (required), CONSOLE_PORT, CONSOLE_HOST, CONSOLE_ALLOWED_HOSTS, ENFORCEMENT_APPLICATION_ID`;

const FLAGS = { ...serviceFlags, port: 'number', host: 'string', 'allowed-hosts': 'string', 'enforcement-id': 'string' } as const;

/** Flags over environment over defaults; a non-loopback host without allowed host names is refused here. */
export function consoleRunSettings(args: readonly string[], env: NodeJS.ProcessEnv): ConsoleRunSettings {
  const flags = parseFlags(args, FLAGS);
  const port = flags.port !== undefined ? integer(flags.port as number, '--port', 0, 65_535) : integer(env.CONSOLE_PORT, 'CONSOLE_PORT', 0, 65_535);
  const host = nonEmpty(flags.host) ?? nonEmpty(env.CONSOLE_HOST) ?? defaultConsoleRunSettings.host;
  const hostsSource = flags['allowed-hosts'] !== undefined ? '--allowed-hosts' : 'CONSOLE_ALLOWED_HOSTS';
  const hostList = (nonEmpty(flags['allowed-hosts']) ?? nonEmpty(env.CONSOLE_ALLOWED_HOSTS) ?? '').split(',').filter((h) => h.trim() !== '');
  const allowedHosts = parseAllowedHosts(hostList, hostsSource);
  checkConsoleHost(host, allowedHosts);
  // Checked now rather than after the backend has connected and read its topics.
  if (nonEmpty(env.CONSOLE_TOKEN) === undefined) throw new ConfigError('CONSOLE_TOKEN: not set; the console refuses to start without the bearer token writes must carry');
  return {
    ...serviceSettings(flags, env, 'console'),
    port: port ?? defaultConsoleRunSettings.port,
    host,
    allowedHosts,
    enforcementApplicationId: nonEmpty(flags['enforcement-id']) ?? nonEmpty(env.ENFORCEMENT_APPLICATION_ID) ?? appNamed('enforcement').applicationId,
  };
}

export interface RunningConsoleService {
  readonly url: string;
  readonly exited: Promise<number>;
  shutdown(reason: string): Promise<number>;
}

/** Follows the topics until caught up, then serves; exit 0 after a clean close on SIGTERM. */
export async function runConsole(settings: ConsoleRunSettings, env: NodeJS.ProcessEnv, options: { logger?: Logger; handleSignals?: boolean } = {}): Promise<RunningConsoleService> {
  const log = options.logger ?? pinoLogger({ app: 'console' });
  const connection = await kafkaConnectionFromEnv(env, { brokers: settings.brokers, clientId: settings.applicationId });
  const backend = await KafkaConsoleBackend.start({ connection, enforcementApplicationId: settings.enforcementApplicationId, logger: log });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  let server: Awaited<ReturnType<typeof startConsole>>;
  try {
    server = await startConsole({ backend, token: env.CONSOLE_TOKEN, port: settings.port, host: settings.host, allowedHosts: settings.allowedHosts, metrics, logger: log });
  } catch (error) {
    await backend.close();
    throw error;
  }
  const { exited, shutdown } = shutdownLifecycle(
    log,
    settings.shutdownTimeoutMs,
    async () => {
      await server.close();
      await backend.close();
      return true;
    },
    options.handleSignals !== false,
  );
  log.info({ url: server.url, allowedHosts: settings.allowedHosts }, 'console serving');
  return { url: server.url, exited, shutdown: (reason) => shutdown(reason) };
}
