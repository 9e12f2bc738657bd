import {
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type UpdateItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/errors.ts';
import {
  DynamoDbSink,
  DynamoDbSinkErrorCode,
  accountStateWrite,
  auditIndexWrite,
  stateCacheWrite,
  type DynamoDbWriter,
  type SinkEnvironment,
} from '../../../apps/dynamodb/index.ts';
import { T0, auditRecord, callRecord, enforcementAudit, killState, marginCalc, marginCall, marginRecord, routerAudit, stateRecord } from './records.ts';

/**
 * Stands in for DynamoDB: records every request and, per BatchWriteItem call, hands back as unprocessed as
 * many of its items as the next entry of `unprocessedPerCall` says (from the end of the request).
 */
class ScriptedDynamoDb implements DynamoDbWriter {
  readonly batches: WriteRequest[][] = [];
  readonly updates: UpdateItemCommand[] = [];
  readonly log: string[] = [];
  unprocessedPerCall: number[] = [];
  failWith: Error | undefined;
  missingItems = new Set<string>();

  send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput>;
  send(command: UpdateItemCommand): Promise<UpdateItemCommandOutput>;
  async send(command: BatchWriteItemCommand | UpdateItemCommand): Promise<BatchWriteItemCommandOutput | UpdateItemCommandOutput> {
    if (this.failWith !== undefined) throw this.failWith;
    this.log.push(command.constructor.name);
    if (command instanceof UpdateItemCommand) {
      this.updates.push(command);
      if (this.missingItems.has(command.input.Key!.timestamp.N!)) {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      }
      return { $metadata: {} };
    }
    const [[table, requests]] = Object.entries(command.input.RequestItems!);
    this.batches.push(requests);
    const unprocessed = Math.min(this.unprocessedPerCall.shift() ?? 0, requests.length);
    return { $metadata: {}, UnprocessedItems: unprocessed === 0 ? {} : { [table]: requests.slice(requests.length - unprocessed) } };
  }
}

/** No real waiting: the delays are recorded, and the jitter draws a fixed fraction. */
function recordingEnvironment(random = 0.5): SinkEnvironment & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms), random: () => random };
}

const audits = (n: number, accountOf = (i: number) => `ACC-${i % 3}`) =>
  Array.from({ length: n }, (_, i) => auditRecord(routerAudit({ order_id: `ORD-${i}`, account_id: accountOf(i), ts: T0 + i })));

const orderIdsOf = (batch: WriteRequest[]) => batch.map((r) => r.PutRequest!.Item!.order_id.S);

describe('DynamoDbSink', () => {
  it('sends BatchWriteItem requests of at most 25 items, and leaves out records not for its table', async () => {
    const db = new ScriptedDynamoDb();
    const sink = new DynamoDbSink(db, 'audit-index', auditIndexWrite);
    const result = await sink.write([...audits(60), auditRecord(enforcementAudit()), stateRecord(killState())]);
    expect(db.batches.map((b) => b.length)).toEqual([25, 25, 10]);
    expect(new Set(db.batches.flatMap(orderIdsOf)).size).toBe(60);
    expect(result).toEqual({
      puts: 60,
      deletes: 0,
      annotations: 0,
      annotationsWithoutItem: 0,
      ignored: 2,
      superseded: 0,
      batchRequests: 3,
      retries: 0,
    });
  });

  it('keeps only the last write per key, since one request may not name a key twice', async () => {
    const db = new ScriptedDynamoDb();
    const sink = new DynamoDbSink(db, 'state-cache', stateCacheWrite);
    const result = await sink.write([
      stateRecord(killState({ scope: 'GLOBAL', status: 'KILLED', last_cmd_id: 'CMD-1' })),
      stateRecord(killState({ scope: 'ACCOUNT:ACC-1' })),
      stateRecord(killState({ scope: 'GLOBAL', status: 'ACTIVE', last_cmd_id: 'CMD-2', updated_ts: T0 + 1 })),
    ]);
    expect(result.superseded).toBe(1);
    const global = db.batches[0].filter((r) => r.PutRequest!.Item!.scope.S === 'GLOBAL');
    expect(global.map((r) => r.PutRequest!.Item!.last_cmd_id.S)).toEqual(['CMD-2']);
  });

  it('retries only the unprocessed items, waiting longer each time with jitter', async () => {
    const db = new ScriptedDynamoDb();
    db.unprocessedPerCall = [10, 4];
    const environment = recordingEnvironment(0.5);
    const sink = new DynamoDbSink(db, 'audit-index', auditIndexWrite, { baseDelayMs: 100 }, environment);
    const result = await sink.write(audits(25));
    expect(db.batches.map(orderIdsOf)).toEqual([
      audits(25).map((r) => (r.value as { order_id: string }).order_id),
      Array.from({ length: 10 }, (_, i) => `ORD-${15 + i}`),
      Array.from({ length: 4 }, (_, i) => `ORD-${21 + i}`),
    ]);
    // cap = 100 × 2^(n-1); the wait is cap/2 + random × cap/2, here three quarters of the cap.
    expect(environment.sleeps).toEqual([75, 150]);
    expect(result).toMatchObject({ puts: 25, batchRequests: 3, retries: 2 });
  });

  it('spreads the waits between half the cap and the cap, and never beyond maxDelayMs', async () => {
    const low = recordingEnvironment(0);
    const high = recordingEnvironment(0.999_999);
    for (const environment of [low, high]) {
      const db = new ScriptedDynamoDb();
      db.unprocessedPerCall = [1, 1, 1, 1, 1];
      await new DynamoDbSink(db, 't', auditIndexWrite, { baseDelayMs: 100, maxDelayMs: 300 }, environment).write(audits(3));
    }
    expect(low.sleeps).toEqual([50, 100, 150, 150, 150]);
    expect(high.sleeps).toEqual([100, 200, 300, 300, 300]);
  });

  it('fails with a clear error once the attempts are used up', async () => {
    const db = new ScriptedDynamoDb();
    db.unprocessedPerCall = [3, 3, 3];
    const sink = new DynamoDbSink(db, 'audit-index', auditIndexWrite, { maxAttempts: 3 }, recordingEnvironment());
    const failure = sink.write(audits(5));
    await expect(failure).rejects.toMatchObject({ code: DynamoDbSinkErrorCode.UNPROCESSED_ITEMS });
    await expect(failure).rejects.toThrow(/^3 of 5 items for table audit-index were still unprocessed after 3 BatchWriteItem requests.*Do not commit/);
    expect(db.batches).toHaveLength(3);
  });

  it('wraps an error of the client, keeping it as the cause', async () => {
    const db = new ScriptedDynamoDb();
    const cause = Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
    db.failWith = cause;
    const failure = new DynamoDbSink(db, 'audit-index', auditIndexWrite).write(audits(1));
    await expect(failure).rejects.toMatchObject({ code: DynamoDbSinkErrorCode.WRITE_FAILED, cause });
    await expect(failure).rejects.toThrow('BatchWriteItem on table audit-index failed (ResourceNotFoundException: Requested resource not found)');
  });

  it('applies annotations after the puts they annotate, and counts those whose item is missing', async () => {
    const db = new ScriptedDynamoDb();
    db.missingItems.add(String(T0 + 99));
    const sink = new DynamoDbSink(db, 'account-state', accountStateWrite);
    const result = await sink.write([
      callRecord(marginCall({ ts: T0 + 1 })),
      marginRecord(marginCalc({ ts: T0 + 1, excess: -1_250, status: 'MARGIN_CALL' })),
      callRecord(marginCall({ call_id: 'CALL-2', ts: T0 + 99 })),
    ]);
    expect(db.log).toEqual(['BatchWriteItemCommand', 'UpdateItemCommand', 'UpdateItemCommand']);
    expect(db.updates.map((u) => u.input)).toContainEqual({
      TableName: 'account-state',
      Key: { account_id: { S: 'ACC-1' }, timestamp: { N: String(T0 + 1) } },
      UpdateExpression: 'SET #a0 = :a0, #a1 = :a1',
      ConditionExpression: 'attribute_exists(#key)',
      ExpressionAttributeNames: { '#key': 'account_id', '#a0': 'margin_call_issued_at', '#a1': 'margin_call_id' },
      ExpressionAttributeValues: { ':a0': { N: String(T0 + 1) }, ':a1': { S: 'CALL-1' } },
    });
    expect(result).toMatchObject({ puts: 1, annotations: 1, annotationsWithoutItem: 1 });
  });

  it('sends a delete for a tombstone', async () => {
    const db = new ScriptedDynamoDb();
    const result = await new DynamoDbSink(db, 'state-cache', stateCacheWrite).write([
      { topic: 'killswitch.state.v1', key: 'GLOBAL', value: null, timestamp: T0 },
    ]);
    expect(db.batches).toEqual([[{ DeleteRequest: { Key: { scope: { S: 'GLOBAL' } } } }]]);
    expect(result).toMatchObject({ puts: 0, deletes: 1 });
  });

  it('refuses options out of range, naming the key', () => {
    const db = new ScriptedDynamoDb();
    expect(() => new DynamoDbSink(db, 't', auditIndexWrite, { batchSize: 26 })).toThrow(ConfigError);
    expect(() => new DynamoDbSink(db, 't', auditIndexWrite, { batchSize: 26 })).toThrow(/^\/dynamodb\/sink\/batchSize: /);
    expect(() => new DynamoDbSink(db, 't', auditIndexWrite, { retries: 3 } as never)).toThrow('/dynamodb/sink/retries: unknown key');
  });
});
