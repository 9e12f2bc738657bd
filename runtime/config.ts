// StreamsConfig: one interface, declared defaults, one zod validator whose errors name the bad key.

import { z } from 'zod';
import { ConfigError } from '../common/errors.ts';
import { consoleLogger, type Logger } from '../common/logger.ts';
import { type Serde, Serdes } from '../common/serdes.ts';
import type { RecordingLevel } from '../common/metrics.ts';
import type { ErrorHandler } from './errors/exception-handlers.ts';

export const ProcessingGuarantee = { AT_LEAST_ONCE: 'at_least_once', EXACTLY_ONCE_V2: 'exactly_once_v2' } as const;
export type ProcessingGuarantee = (typeof ProcessingGuarantee)[keyof typeof ProcessingGuarantee];

export interface StreamsConfig {
  /** Group id, prefix of internal topics and of the state directory. */
  applicationId: string;
  processingGuarantee: ProcessingGuarantee;
  /** Default 30 s; 100 ms under exactly_once_v2, as in Kafka Streams. */
  commitIntervalMs: number;
  /** Bytes of record cache per store (Kafka's statestore.cache.max.bytes is per thread). 0 disables caching. */
  cacheMaxBytes: number;
  stateDir: string;
  /** How long a task waits for data on an empty input partition before processing the others. */
  maxTaskIdleMs: number;
  /** Copies of each stateful task kept current on other instances (Kafka's num.standby.replicas). */
  numStandbyReplicas: number;
  /** Partitions of topics the embedded runtime creates itself, and of repartition topics without a count. */
  defaultPartitions: number;
  deserializationExceptionHandler: ErrorHandler;
  processingExceptionHandler: ErrorHandler;
  /** Records that a handler lets through ('continue') are copied here with the error in their headers. */
  deadLetterQueueTopic: string | null;
  metricsRecordingLevel: RecordingLevel;
  /** Serdes used where the topology names none (Kafka's default.key.serde / default.value.serde). */
  defaultKeySerde: Serde<any>;
  defaultValueSerde: Serde<any>;
  logger: Logger;
}

export const defaultStreamsConfig = {
  processingGuarantee: 'at_least_once',
  commitIntervalMs: 30_000,
  cacheMaxBytes: 10 * 1024 * 1024,
  stateDir: '/tmp/risk-streams',
  maxTaskIdleMs: 0,
  numStandbyReplicas: 0,
  defaultPartitions: 1,
  deserializationExceptionHandler: 'logAndFail',
  processingExceptionHandler: 'logAndFail',
  deadLetterQueueTopic: null,
  metricsRecordingLevel: 'info',
  defaultKeySerde: Serdes.String(),
  defaultValueSerde: Serdes.Json(),
  logger: consoleLogger('warn'),
} satisfies Omit<StreamsConfig, 'applicationId'>;

const isSerde = (v: unknown) =>
  typeof v === 'object' && v !== null && typeof (v as Serde<unknown>).serialize === 'function';

const handlerSchema = z.union([z.enum(['logAndContinue', 'logAndFail']), z.custom<ErrorHandler>((v) => typeof v === 'function')]);

const schema = z
  .object({
    applicationId: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
    processingGuarantee: z.enum(['at_least_once', 'exactly_once_v2']).optional(),
    commitIntervalMs: z.number().int().nonnegative().optional(),
    cacheMaxBytes: z.number().int().nonnegative().optional(),
    stateDir: z.string().min(1).optional(),
    maxTaskIdleMs: z.number().int().min(-1).optional(),
    numStandbyReplicas: z.number().int().nonnegative().optional(),
    defaultPartitions: z.number().int().positive().optional(),
    deserializationExceptionHandler: handlerSchema.optional(),
    processingExceptionHandler: handlerSchema.optional(),
    deadLetterQueueTopic: z.string().min(1).nullable().optional(),
    metricsRecordingLevel: z.enum(['info', 'debug']).optional(),
    defaultKeySerde: z.custom<Serde<any>>(isSerde, 'must be a serde').optional(),
    defaultValueSerde: z.custom<Serde<any>>(isSerde, 'must be a serde').optional(),
    logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null).optional(),
  })
  .strict();

export type StreamsConfigInput = Partial<StreamsConfig> & { applicationId: string };

export function streamsConfig(input: StreamsConfigInput): StreamsConfig {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new ConfigError(`streams config ${key}: ${issue.message}`, { cause: parsed.error });
  }
  const eos = input.processingGuarantee === 'exactly_once_v2';
  return {
    ...defaultStreamsConfig,
    commitIntervalMs: eos ? 100 : defaultStreamsConfig.commitIntervalMs,
    ...(parsed.data as Partial<StreamsConfig>),
    applicationId: input.applicationId,
  };
}
