// The apps' Logger: pino JSON lines with the app, task and record coordinates (topic, partition, offset,
// corr_id) as fields, the level from LOG_LEVEL, and secrets censored whatever field they hide in.

import { pino, type DestinationStream } from 'pino';
import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type PinoLevel = (typeof LOG_LEVELS)[number];

export const REDACTED = '[REDACTED]';

/** Field names whose values are secrets: tokens, passwords, SASL settings, auth headers, keys. */
const SECRET_KEY = /token|passw(or)?d|passphrase|secret|authorization|cookie|sasl|credential|api[-_]?key|private[-_]?key|signature/i;
/** Values that carry a credential whatever their field is called. */
const SECRET_VALUE = /^(bearer|basic)\s+\S/i;
const MAX_DEPTH = 8;

export interface LoggerOptions {
  /** Default: LOG_LEVEL from the environment, else 'info'. */
  readonly level?: PinoLevel;
  /** Bound to every line as `app`. */
  readonly app?: string;
  /** Default: stderr, so that stdout stays for a command's own output. */
  readonly destination?: DestinationStream | number;
}

/** LOG_LEVEL, checked; unset means `fallback`. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env, fallback: PinoLevel = 'info'): PinoLevel {
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw === '') return fallback;
  const level = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(raw)}`);
  return level as PinoLevel;
}

export function pinoLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? 2;
  const logger = pino(
    {
      level: options.level ?? logLevelFromEnv(),
      base: { pid: process.pid, ...(options.app === undefined ? {} : { app: options.app }) },
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => censor(fields, 0) as Record<string, unknown>,
      },
    },
    typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination,
  );
  return adapt(logger);
}

/** The port over a pino logger; children's bindings are censored here because pino formats only the root's. */
function adapt(logger: pino.Logger): Logger {
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    child: (bindings) => adapt(logger.child(censor(bindings, 0) as Record<string, unknown>)),
  };
}

/** A copy with secret fields replaced; objects without any are returned as they are. */
export function censor(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? REDACTED : value;
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const next = censor(value[i], depth + 1);
      if (next !== value[i]) (copy ??= [...value])[i] = next;
    }
    return copy ?? value;
  }
  if (Buffer.isBuffer(value)) return value;
  let copy: Record<string, unknown> | null = null;
  for (const [key, field] of Object.entries(value)) {
    const next = SECRET_KEY.test(key) && field !== undefined && field !== null ? REDACTED : censor(field, depth + 1);
    if (next !== field) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}
