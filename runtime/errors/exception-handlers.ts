// What happens to a record that cannot be deserialized or whose processing throws: the handler answers
// 'continue' (skip it, copying it to the dead-letter topic when one is configured) or 'fail' (stop the task).

import { describeError } from '../../common/errors.ts';
import type { ConsumedRecord, Headers, ProducedRecord } from '../../common/record.ts';

export type ErrorHandlerResponse = 'continue' | 'fail';

export interface ErrorContext {
  readonly kind: 'deserialization' | 'processing';
  readonly record: ConsumedRecord;
  /** The processor that threw (processing errors only). */
  readonly processorNodeId: string | null;
  readonly taskId: string;
}

export type ErrorHandler = 'logAndContinue' | 'logAndFail' | ((context: ErrorContext, error: unknown) => ErrorHandlerResponse);

export function respond(handler: ErrorHandler, context: ErrorContext, error: unknown): ErrorHandlerResponse {
  if (handler === 'logAndContinue') return 'continue';
  if (handler === 'logAndFail') return 'fail';
  return handler(context, error);
}

/** Header names of the dead-letter record (as in KIP-1034). */
export const DLQ_HEADERS = {
  exception: '__streams.errors.exception',
  message: '__streams.errors.message',
  stacktrace: '__streams.errors.stacktrace',
  topic: '__streams.errors.topic',
  partition: '__streams.errors.partition',
  offset: '__streams.errors.offset',
} as const;

/** The raw input record, unchanged, with headers naming the error and where the record came from. */
export function deadLetterRecord(topic: string, context: ErrorContext, error: unknown): ProducedRecord {
  const { name, message, stack } = describeError(error);
  const headers: Headers = {
    ...context.record.headers,
    [DLQ_HEADERS.exception]: name,
    [DLQ_HEADERS.message]: message,
    [DLQ_HEADERS.stacktrace]: stack,
    [DLQ_HEADERS.topic]: context.record.topic,
    [DLQ_HEADERS.partition]: String(context.record.partition),
    [DLQ_HEADERS.offset]: String(context.record.offset),
  };
  return {
    topic,
    partition: undefined,
    key: context.record.key,
    value: context.record.value,
    timestamp: context.record.timestamp,
    headers,
  };
}
