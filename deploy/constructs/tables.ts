// The three DynamoDB tables, copied from the apps' own definitions (apps/dynamodb): same names, keys, index and
// TTL attribute, so the sinks and the tables cannot drift apart. On demand, with point-in-time recovery.

import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Construct } from 'constructs';
import { tableNames, tables, type TableId } from '../../apps/dynamodb/tables.ts';
import type { DeployConfig } from '../config.ts';

const TYPES = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER, B: dynamodb.AttributeType.BINARY } as const;

/** The key schema of a CreateTable input as CDK attributes (hash, then the optional range). */
function keys(input: CreateTableCommandInput, schema: CreateTableCommandInput['KeySchema']): { partitionKey: dynamodb.Attribute; sortKey?: dynamodb.Attribute } {
  const attribute = (role: 'HASH' | 'RANGE'): dynamodb.Attribute | undefined => {
    const name = schema?.find((k) => k.KeyType === role)?.AttributeName;
    if (name === undefined) return undefined;
    const type = input.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
    if (type === undefined) throw new Error(`table ${input.TableName}: key ${name} has no attribute definition`);
    return { name, type: TYPES[type] };
  };
  const partitionKey = attribute('HASH');
  if (partitionKey === undefined) throw new Error(`table ${input.TableName}: no HASH key`);
  const sortKey = attribute('RANGE');
  return sortKey === undefined ? { partitionKey } : { partitionKey, sortKey };
}

export class RiskTables extends Construct {
  readonly tables: Readonly<Record<TableId, dynamodb.Table>>;
  readonly names: Readonly<Record<TableId, string>>;

  constructor(scope: Construct, id: string, config: DeployConfig) {
    super(scope, id);
    this.names = tableNames({ prefix: config.prefix, stage: config.stage });
    const made = {} as Record<TableId, dynamodb.Table>;
    for (const tableId of Object.keys(tables) as TableId[]) {
      const definition = tables[tableId];
      const input = definition.createInput(this.names[tableId]);
      if (input.BillingMode !== 'PAY_PER_REQUEST') throw new Error(`table ${tableId}: the apps define it with ${input.BillingMode}; the deployment expects on-demand`);
      const table = new dynamodb.Table(this, tableId, {
        tableName: input.TableName,
        ...keys(input, input.KeySchema),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: definition.ttlAttribute,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: config.retainData,
        removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      for (const index of input.GlobalSecondaryIndexes ?? []) {
        const projection = index.Projection?.ProjectionType;
        table.addGlobalSecondaryIndex({
          indexName: index.IndexName!,
          ...keys(input, index.KeySchema),
          projectionType: projection === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : projection === 'INCLUDE' ? dynamodb.ProjectionType.INCLUDE : dynamodb.ProjectionType.ALL,
          nonKeyAttributes: projection === 'INCLUDE' ? index.Projection?.NonKeyAttributes : undefined,
        });
      }
      made[tableId] = table;
    }
    this.tables = made;
  }
}
