// The tables and sinks against a real DynamoDB Local (scripts/dynamodb/dynamodb-local.ts), started once for the
// file. Without Java 17 or (on the first run) Maven, every test fails with a message naming what to install.

import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_INDEX_BY_ACCOUNT,
  DynamoDbSink,
  auditIndexWrite,
  createSinks,
  createTables,
  tableNames,
  type DynamoDbWriter,
  type Item,
  type SinkRecord,
} from '../../../apps/dynamodb/index.ts';
import { Topics } from '../../../apps/schemas/index.ts';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../../scripts/dynamodb/dynamodb-local.ts';
import { T0, auditRecord, callRecord, enforcementAudit, killState, marginCalc, marginCall, marginRecord, routerAudit, stateRecord } from './records.ts';

const names = tableNames({ prefix: 'risk', stage: 'test' });
let server: RunningDynamoDbLocal | undefined;
let client: DynamoDBClient;
let setupFailure: { error: unknown } | undefined;

beforeAll(async () => {
  try {
    server = await startDynamoDbLocal();
    console.info(`DynamoDB Local started in ${server.startupMs} ms on ${server.endpoint}`);
    client = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await createTables(client, names);
  } catch (error) {
    setupFailure = { error };
  }
  // The first run fetches DynamoDB Local with Maven, which takes longer than a test.
}, 300_000);

// A failed beforeAll would only mark the tests skipped; every test fails instead, with the reason (say, Java missing).
beforeEach(() => {
  if (setupFailure !== undefined) throw setupFailure.error;
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

const count = async (table: string) => (await client.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count;
const getItem = async (table: string, key: Item) => (await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

describe('DynamoDB Local', () => {
  it('listens on the loopback interface only', async () => {
    expect(server!.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && !address.internal && address.family === 'IPv4');
    if (external !== undefined) {
      const reached = await fetch(`http://${external.address}:${server!.port}/`, { signal: AbortSignal.timeout(2_000) }).then(
        () => true,
        () => false,
      );
      expect(reached).toBe(false);
    }
  });
});

describe('createTables', () => {
  it('creates the audit index keyed by order and time, with the account GSI and TTL on', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: names.auditIndex }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'order_id', KeyType: 'HASH' },
      { AttributeName: 'ts', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: AUDIT_INDEX_BY_ACCOUNT,
        KeySchema: [
          { AttributeName: 'account_id', KeyType: 'HASH' },
          { AttributeName: 'ts', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
        IndexStatus: 'ACTIVE',
      }),
    ]);
  });

  it('keys the state cache by scope and the account state by account and timestamp', async () => {
    const cache = await client.send(new DescribeTableCommand({ TableName: names.stateCache }));
    expect(cache.Table?.KeySchema).toEqual([{ AttributeName: 'scope', KeyType: 'HASH' }]);
    const state = await client.send(new DescribeTableCommand({ TableName: names.accountState }));
    expect(state.Table?.KeySchema).toEqual([
      { AttributeName: 'account_id', KeyType: 'HASH' },
      { AttributeName: 'timestamp', KeyType: 'RANGE' },
    ]);
    expect(state.Table?.AttributeDefinitions).toContainEqual({ AttributeName: 'timestamp', AttributeType: 'N' });
  });

  it('enables TTL on the ttl attribute of every table, and can run again', async () => {
    await createTables(client, names);
    for (const table of Object.values(names)) {
      const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
      expect(TimeToLiveDescription).toEqual({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
    }
  });
});

describe('audit index sink', () => {
  const ACCOUNTS = 7;
  const audits = Array.from({ length: 1_000 }, (_, i) =>
    auditRecord(
      routerAudit({
        order_id: `ORD-${String(i).padStart(5, '0')}`,
        account_id: `ACC-${i % ACCOUNTS}`,
        ts: T0 + i * 10,
        decision: i % 4 === 0 ? 'DROP' : 'ALLOW',
        scope_matches: i % 4 === 0 ? ['ACCOUNT:ACC-1', 'SYMBOL:NVDA'] : [],
      }),
    ),
  );
  const input: SinkRecord[] = [...audits, auditRecord(enforcementAudit())];

  it('writes 1,000 decisions in batches of 25, and a replay of them leaves the same items', async () => {
    const sink = new DynamoDbSink(client, names.auditIndex, auditIndexWrite);
    const started = performance.now();
    const first = await sink.write(input);
    const ms = performance.now() - started;
    console.info(`audit index: ${first.puts} items in ${ms.toFixed(0)} ms = ${Math.round((first.puts / ms) * 1000)} items/s (${first.batchRequests} requests)`);
    expect(first).toMatchObject({ puts: 1_000, ignored: 1, batchRequests: 40, retries: 0 });
    expect(await count(names.auditIndex)).toBe(1_000);

    const key = { order_id: { S: 'ORD-00004' }, ts: { N: String(T0 + 40) } };
    const before = await getItem(names.auditIndex, key);
    const expected = auditIndexWrite(audits[4]);
    expect(before).toEqual(expected?.type === 'put' ? expected.item : undefined);

    await sink.write(input);
    expect(await count(names.auditIndex)).toBe(1_000);
    expect(await getItem(names.auditIndex, key)).toEqual(before);
  });

  it('answers an account\'s decisions in a time range through the GSI, in time order', async () => {
    const from = T0 + 1_000;
    const to = T0 + 3_000;
    const { Items } = await client.send(
      new QueryCommand({
        TableName: names.auditIndex,
        IndexName: AUDIT_INDEX_BY_ACCOUNT,
        KeyConditionExpression: 'account_id = :account AND ts BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':account': { S: 'ACC-3' }, ':from': { N: String(from) }, ':to': { N: String(to) } },
      }),
    );
    const expected = audits
      .map((r) => r.value as { account_id: string; ts: number; order_id: string })
      .filter((a) => a.account_id === 'ACC-3' && a.ts >= from && a.ts <= to);
    expect(expected.length).toBeGreaterThan(25);
    expect(Items?.map((item) => item.order_id.S)).toEqual(expected.map((a) => a.order_id));
  });

  it('retries the items DynamoDB handed back unprocessed until all are written', async () => {
    // Sends only the first half of each first request to DynamoDB and returns the rest as unprocessed,
    // the way a throttled table answers.
    let throttled = 0;
    const throttling: DynamoDbWriter = {
      send: (async (command: BatchWriteItemCommand | UpdateItemCommand) => {
        if (!(command instanceof BatchWriteItemCommand) || throttled >= 2) return client.send(command as BatchWriteItemCommand);
        throttled++;
        const [[table, requests]] = Object.entries(command.input.RequestItems!);
        const half = Math.ceil(requests.length / 2);
        await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(0, half) } }));
        return { $metadata: {}, UnprocessedItems: { [table]: requests.slice(half) } };
      }) as DynamoDbWriter['send'],
    };
    const sink = new DynamoDbSink(throttling, names.auditIndex, auditIndexWrite, { concurrency: 1, baseDelayMs: 1 });
    const records = Array.from({ length: 40 }, (_, i) => auditRecord(routerAudit({ order_id: `RETRY-${i}`, account_id: 'ACC-RETRY', ts: T0 + i })));
    const result = await sink.write(records);
    expect(result).toMatchObject({ puts: 40, retries: 2, batchRequests: 4 });
    const { Count } = await client.send(
      new QueryCommand({
        TableName: names.auditIndex,
        IndexName: AUDIT_INDEX_BY_ACCOUNT,
        KeyConditionExpression: 'account_id = :account',
        ExpressionAttributeValues: { ':account': { S: 'ACC-RETRY' } },
        Select: 'COUNT',
      }),
    );
    expect(Count).toBe(40);
  });
});

describe('state cache sink', () => {
  it('keeps the latest state per scope and forgets a scope on its tombstone', async () => {
    const { stateCache } = createSinks(client, names);
    await stateCache.write([
      stateRecord(killState({ scope: 'GLOBAL', status: 'KILLED', last_cmd_id: 'CMD-1' })),
      stateRecord(killState({ scope: 'SYMBOL:NVDA', last_cmd_id: 'CMD-2' })),
      stateRecord(killState({ scope: 'GLOBAL', status: 'ACTIVE', last_cmd_id: 'CMD-3', updated_ts: T0 + 60_000, updated_by: 'operator' })),
    ]);
    await stateCache.write([{ topic: Topics.KILLSWITCH_STATE, key: 'SYMBOL:NVDA', value: null, timestamp: T0 + 70_000 }]);
    expect(await count(names.stateCache)).toBe(1);
    const global = await getItem(names.stateCache, { scope: { S: 'GLOBAL' } });
    expect(global).toMatchObject({ status: { S: 'ACTIVE' }, last_cmd_id: { S: 'CMD-3' }, updated_by: { S: 'operator' } });
  });
});

describe('account state sink', () => {
  it('indexes margin records by time and marks the one that raised the margin call', async () => {
    const { accountState } = createSinks(client, names);
    const result = await accountState.write([
      marginRecord(marginCalc({ account_id: 'ACC-NVDA', ts: T0 })),
      marginRecord(marginCalc({ account_id: 'ACC-NVDA', ts: T0 + 1_000, equity: 84_360, market_value: 344_360, maintenance_req: 86_090, excess: -1_730, status: 'MARGIN_CALL' })),
      callRecord(marginCall({ account_id: 'ACC-NVDA', ts: T0 + 1_000, deficiency: 1_730 })),
      callRecord(marginCall({ account_id: 'ACC-NVDA', call_id: 'CALL-ORPHAN', ts: T0 + 5_000 })),
      marginRecord(marginCalc({ account_id: 'ACC-NVDA', ts: T0 + 2_000, equity: 1e21, excess: 1e-7, status: 'MARGIN_CALL' })),
    ]);
    expect(result).toMatchObject({ puts: 3, annotations: 1, annotationsWithoutItem: 1 });

    const latest = await client.send(
      new QueryCommand({
        TableName: names.accountState,
        KeyConditionExpression: 'account_id = :account',
        ExpressionAttributeValues: { ':account': { S: 'ACC-NVDA' } },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    expect(latest.Items?.[0]).toMatchObject({ timestamp: { N: String(T0 + 2_000) }, margin_call_issued_at: { NULL: true } });
    // DynamoDB keeps numbers as decimals: exponent forms read back as the same value.
    expect(Number(latest.Items?.[0].equity.N)).toBe(1e21);
    expect(Number(latest.Items?.[0].excess.N)).toBe(1e-7);

    const called = await getItem(names.accountState, { account_id: { S: 'ACC-NVDA' }, timestamp: { N: String(T0 + 1_000) } });
    expect(called).toMatchObject({
      excess: { N: '-1730' },
      status: { S: 'MARGIN_CALL' },
      margin_call_issued_at: { N: String(T0 + 1_000) },
      margin_call_id: { S: 'CALL-1' },
    });
    expect(await getItem(names.accountState, { account_id: { S: 'ACC-NVDA' }, timestamp: { N: String(T0 + 5_000) } })).toBeUndefined();
  });
});
