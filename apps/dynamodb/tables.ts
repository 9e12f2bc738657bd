// The three tables' names (a prefix and a stage over the seeds' names) and their creation for tests and local
// use. Production tables belong to the deployment's infrastructure code, which should copy these definitions.

import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';
import { accountStateTable } from './account-state.ts';
import { auditIndexTable } from './audit-index.ts';
import type { TableDefinition } from './items.ts';
import { DynamoDbSink, type DynamoDbSinkOptions, type DynamoDbWriter, type SinkEnvironment } from './sink.ts';
import { stateCacheTable } from './state-cache.ts';

export const tables = {
  auditIndex: auditIndexTable,
  stateCache: stateCacheTable,
  accountState: accountStateTable,
} as const satisfies Record<string, TableDefinition>;
export type TableId = keyof typeof tables;
export type TableNames = Readonly<Record<TableId, string>>;

export interface TableNameOptions {
  /** Put before every name, e.g. the system's name: `risk`. */
  readonly prefix: string;
  /** The environment, e.g. `dev` or `prod`, so stages can share an account. */
  readonly stage: string;
}

export const defaultTableNameOptions = { prefix: '', stage: '' } as const satisfies TableNameOptions;

// DynamoDB allows 3-255 characters of [A-Za-z0-9_.-]; the base names are at most 13 long.
const namePart = z.string().regex(/^[A-Za-z0-9_.-]*$/, 'may hold only letters, digits, "_", "." and "-"').max(200);
const TableNameOptionsSchema = z.object({ prefix: namePart, stage: namePart }).strict();

/** `{prefix: 'risk', stage: 'dev'}` names the audit index `risk-dev-audit-index`; empty parts are left out. */
export function tableNames(options: Partial<TableNameOptions> = {}): TableNames {
  const parsed = TableNameOptionsSchema.safeParse({ ...defaultTableNameOptions, ...options });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    throw new ConfigError(`/dynamodb/${path.join('/')}: ${issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message}`, {
      cause: parsed.error,
    });
  }
  const { prefix, stage } = parsed.data;
  const name = (base: string) => [prefix, stage, base].filter((part) => part !== '').join('-');
  return {
    auditIndex: name(auditIndexTable.baseName),
    stateCache: name(stateCacheTable.baseName),
    accountState: name(accountStateTable.baseName),
  };
}

/**
 * Creates the tables that do not exist yet, waits until they are ACTIVE and enables their TTL. Safe to run
 * again: existing tables are kept as they are and TTL is only switched on where it is off.
 */
export async function createTables(client: DynamoDBClient, names: TableNames = tableNames()): Promise<void> {
  await Promise.all(
    (Object.keys(tables) as TableId[]).map(async (id) => {
      const definition: TableDefinition = tables[id];
      const tableName = names[id];
      try {
        await client.send(new CreateTableCommand(definition.createInput(tableName)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
      if (status !== 'ENABLED' && status !== 'ENABLING') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
          }),
        );
      }
    }),
  );
}

/** One sink per table, each fed the same records: every mapper takes only the topics and services it indexes. */
export function createSinks(
  client: DynamoDbWriter,
  names: TableNames = tableNames(),
  options: Partial<DynamoDbSinkOptions> = {},
  environment?: SinkEnvironment,
): Record<TableId, DynamoDbSink> {
  return {
    auditIndex: new DynamoDbSink(client, names.auditIndex, tables.auditIndex.mapper, options, environment),
    stateCache: new DynamoDbSink(client, names.stateCache, tables.stateCache.mapper, options, environment),
    accountState: new DynamoDbSink(client, names.accountState, tables.accountState.mapper, options, environment),
  };
}
