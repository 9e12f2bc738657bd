// Writes topic records into one DynamoDB table through its mapper: BatchWriteItem in batches of 25, unprocessed
// items retried with capped exponential backoff and jitter. Call write() before committing the records'
// offsets; a failed write leaves them uncommitted, and the replay rewrites the same items.

import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type BatchWriteItemCommandOutput,
  type UpdateItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';
import { DynamoDbSinkError, DynamoDbSinkErrorCode, type Item, type ItemMapper, type ItemWrite, type SinkRecord } from './items.ts';

/** The part of the DynamoDB client the sink uses; a `DynamoDBClient` is one, and tests pass a fake. */
export interface DynamoDbWriter {
  send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput>;
  send(command: UpdateItemCommand): Promise<UpdateItemCommandOutput>;
}

export interface DynamoDbSinkOptions {
  /** Items per BatchWriteItem request; DynamoDB takes at most 25. */
  readonly batchSize: number;
  /** Requests in flight at once. Batches never share a key, so their order does not matter. */
  readonly concurrency: number;
  /** Requests per batch, the first included, before items DynamoDB keeps returning unprocessed fail the write. */
  readonly maxAttempts: number;
  /** The backoff before retry n is drawn from [cap/2, cap] with cap = min(maxDelayMs, baseDelayMs × 2^(n-1)). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultDynamoDbSinkOptions = {
  batchSize: 25,
  concurrency: 4,
  maxAttempts: 8,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
} as const satisfies DynamoDbSinkOptions;

const OptionsSchema = z
  .object({
    batchSize: z.number().int().min(1).max(25),
    concurrency: z.number().int().positive(),
    maxAttempts: z.number().int().positive(),
    baseDelayMs: z.number().nonnegative(),
    maxDelayMs: z.number().nonnegative(),
  })
  .strict();

/** Waiting and randomness are injected so tests check the backoff without sleeping. */
export interface SinkEnvironment {
  sleep(ms: number): Promise<void>;
  random(): number;
}

const realEnvironment: SinkEnvironment = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export interface SinkWriteResult {
  readonly puts: number;
  readonly deletes: number;
  readonly annotations: number;
  /** Annotations whose item is not there (yet): a margin call read before its margin record, say. */
  readonly annotationsWithoutItem: number;
  /** Records the mapper left out: other topics, other services. */
  readonly ignored: number;
  /** Writes replaced by a later record for the same key in the same call. */
  readonly superseded: number;
  /** BatchWriteItem requests sent, retries included. */
  readonly batchRequests: number;
  readonly retries: number;
}

export class DynamoDbSink {
  readonly tableName: string;
  readonly #client: DynamoDbWriter;
  readonly #mapper: ItemMapper;
  readonly #options: DynamoDbSinkOptions;
  readonly #environment: SinkEnvironment;

  constructor(
    client: DynamoDbWriter,
    tableName: string,
    mapper: ItemMapper,
    options: Partial<DynamoDbSinkOptions> = {},
    environment: SinkEnvironment = realEnvironment,
  ) {
    const parsed = OptionsSchema.safeParse({ ...defaultDynamoDbSinkOptions, ...options });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
      throw new ConfigError(`/dynamodb/sink/${path.join('/')}: ${issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message}`, {
        cause: parsed.error,
      });
    }
    this.#client = client;
    this.tableName = tableName;
    this.#mapper = mapper;
    this.#options = parsed.data;
    this.#environment = environment;
  }

  /**
   * Writes what the records map to; when records name the same key, the later one wins.
   * 1. Map every record and keep the last write per key (one request may not name a key twice).
   * 2. Send the puts and deletes in batches, retrying unprocessed items; any batch failing fails the call.
   * 3. Apply the annotations, now that the items they annotate are written.
   */
  async write(records: readonly SinkRecord[]): Promise<SinkWriteResult> {
    const writes = new Map<string, RowWrite>();
    const annotations = new Map<string, Annotation>();
    let ignored = 0;
    let superseded = 0;
    for (const record of records) {
      const write = this.#mapper(record);
      if (write === undefined) {
        ignored++;
        continue;
      }
      const id = keyId(write.key);
      if (write.type === 'annotate') {
        if (annotations.has(id)) superseded++;
        annotations.set(id, write);
      } else {
        if (writes.has(id)) superseded++;
        writes.set(id, write);
      }
    }

    const requests: WriteRequest[] = [];
    let puts = 0;
    for (const write of writes.values()) {
      if (write.type === 'put') {
        puts++;
        requests.push({ PutRequest: { Item: write.item } });
      } else {
        requests.push({ DeleteRequest: { Key: write.key } });
      }
    }
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += this.#options.batchSize) batches.push(requests.slice(i, i + this.#options.batchSize));
    const counters = { batchRequests: 0, retries: 0, annotationsWithoutItem: 0 };
    await forEachLimited(batches, this.#options.concurrency, (batch) => this.#writeBatch(batch, counters));
    await forEachLimited([...annotations.values()], this.#options.concurrency, (annotation) => this.#annotate(annotation, counters));

    return {
      puts,
      deletes: requests.length - puts,
      annotations: annotations.size - counters.annotationsWithoutItem,
      annotationsWithoutItem: counters.annotationsWithoutItem,
      ignored,
      superseded,
      batchRequests: counters.batchRequests,
      retries: counters.retries,
    };
  }

  async #writeBatch(batch: WriteRequest[], counters: { batchRequests: number; retries: number }): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      counters.batchRequests++;
      const output = await this.#send('BatchWriteItem', () =>
        this.#client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } })),
      );
      const unprocessed = output.UnprocessedItems?.[this.tableName] ?? [];
      if (unprocessed.length === 0) return;
      if (attempt >= this.#options.maxAttempts) {
        throw new DynamoDbSinkError(
          DynamoDbSinkErrorCode.UNPROCESSED_ITEMS,
          `${unprocessed.length} of ${batch.length} items for table ${this.tableName} were still unprocessed after ${attempt} ` +
            'BatchWriteItem requests: the table is throttled or short of capacity. Do not commit these records\' offsets; ' +
            'retry the write, and raise the table\'s capacity or maxAttempts if it keeps happening.',
        );
      }
      counters.retries++;
      await this.#environment.sleep(this.#backoffMs(attempt));
      pending = unprocessed;
    }
  }

  async #annotate(write: Annotation, counters: { annotationsWithoutItem: number }): Promise<void> {
    const names: Record<string, string> = { '#key': Object.keys(write.key)[0] };
    const values: Item = {};
    const assignments = Object.entries(write.attributes).map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      return `#a${i} = :a${i}`;
    });
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: write.key,
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_exists(#key)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        counters.annotationsWithoutItem++;
        return;
      }
      throw this.#failure('UpdateItem', error);
    }
  }

  async #send<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.#failure(operation, error);
    }
  }

  #failure(operation: string, error: unknown): DynamoDbSinkError {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new DynamoDbSinkError(
      DynamoDbSinkErrorCode.WRITE_FAILED,
      `${operation} on table ${this.tableName} failed (${reason}). The client has already retried throttling and network ` +
        'errors; check the table name, region, credentials and item sizes. Do not commit these records\' offsets.',
      { cause: error },
    );
  }

  /** "Equal jitter": the wait grows with each retry yet never collapses to nothing, and batches spread out. */
  #backoffMs(attempt: number): number {
    const cap = Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + this.#environment.random() * (cap / 2));
  }
}

type RowWrite = Extract<ItemWrite, { type: 'put' | 'delete' }>;
type Annotation = Extract<ItemWrite, { type: 'annotate' }>;

/** Keys of one table have the same attributes, so the values in attribute-name order identify an item. */
function keyId(key: Item): string {
  return JSON.stringify(
    Object.keys(key)
      .sort()
      .map((name) => key[name]),
  );
}

/** Runs `task` on every item, at most `limit` at a time. After a failure no new task starts; the first error is rethrown. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
