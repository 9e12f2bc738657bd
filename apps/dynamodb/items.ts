// The shapes the three tables share: a table's definition, and the writes its mapper turns topic records
// into. Mappers are pure, so the same record always yields the same write and replays rewrite identical items.

import type { AttributeValue, CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { ZodType } from 'zod';
import { StreamsError } from '../../common/errors.ts';

export type Item = Record<string, AttributeValue>;

/** A record read from a topic, value already deserialized from JSON (`null` is a tombstone). */
export interface SinkRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: unknown;
  readonly timestamp: number;
}

export type ItemWrite =
  /** Replaces the whole item under `key`. */
  | { readonly type: 'put'; readonly key: Item; readonly item: Item }
  | { readonly type: 'delete'; readonly key: Item }
  /** Sets attributes on an item that must already exist; never creates a half item. */
  | { readonly type: 'annotate'; readonly key: Item; readonly attributes: Item };

/** `undefined` means the record is not for this table (another topic, another service, a skipped tombstone). */
export type ItemMapper = (record: SinkRecord) => ItemWrite | undefined;

/** One table: its shape, its expiry and the mapper that feeds it. Names are chosen by `tableNames`. */
export interface TableDefinition {
  /** The table's name before prefix and stage, as the seeds call it. */
  readonly baseName: string;
  readonly ttlAttribute: string;
  readonly ttlDays: number;
  createInput(tableName: string): CreateTableCommandInput;
  readonly mapper: ItemMapper;
}

/** The codes a DynamoDB sink fails with; each message says what to do. */
export const DynamoDbSinkErrorCode = {
  BAD_RECORD: 'DYNAMODB_BAD_RECORD',
  UNPROCESSED_ITEMS: 'DYNAMODB_UNPROCESSED_ITEMS',
  WRITE_FAILED: 'DYNAMODB_WRITE_FAILED',
} as const;
export type DynamoDbSinkErrorCode = (typeof DynamoDbSinkErrorCode)[keyof typeof DynamoDbSinkErrorCode];

export class DynamoDbSinkError extends StreamsError {
  constructor(code: DynamoDbSinkErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export const str = (value: string): AttributeValue => ({ S: value });
/** DynamoDB takes numbers as decimal strings; `String` gives the shortest form that reads back exactly. */
export const num = (value: number): AttributeValue => ({ N: String(value) });
export const NULL: AttributeValue = { NULL: true };

const SECONDS_PER_DAY = 86_400;

/**
 * The TTL attribute's value: epoch seconds `days` after the record's own event time. Counting from event time,
 * not the wall clock, keeps replays idempotent; a replay of old records writes items that expire soon, as
 * the originals would have.
 */
export function expiresAt(eventMs: number, days: number): AttributeValue {
  return num(Math.floor(eventMs / 1000) + days * SECONDS_PER_DAY);
}

/** Validates a record's value against its topic schema; a bad record names topic, key and the failing path. */
export function parseValue<T>(schema: ZodType<T>, record: SinkRecord): T {
  const parsed = schema.safeParse(record.value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DynamoDbSinkError(
    DynamoDbSinkErrorCode.BAD_RECORD,
    `${record.topic} record (key ${JSON.stringify(record.key)}, timestamp ${record.timestamp}) does not match its schema at ` +
      `/${issue.path.join('/')}: ${issue.message}. Fix the producer; the sink does not skip records.`,
    { cause: parsed.error },
  );
}
