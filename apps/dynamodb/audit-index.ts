// audit-index (seed 000): the order router's decisions, queryable by order and, through a GSI, by account.
// Kafka's audit.v1 stays the record of truth; this table only serves dashboards and investigations.

import { RouterAudit, Topics } from '../schemas/index.ts';
import { expiresAt, parseValue, str, num, type ItemWrite, type SinkRecord, type TableDefinition } from './items.ts';

export const AUDIT_INDEX_BY_ACCOUNT = 'account_id-index';
const TTL_DAYS = 30;

/**
 * Router audit records become items. Enforcement events share the topic but concern accounts, not orders, and
 * are not indexed here; anything else on the topic is refused rather than dropped unseen.
 */
export function auditIndexWrite(record: SinkRecord): ItemWrite | undefined {
  if (record.topic !== Topics.AUDIT || record.value === null) return undefined;
  if ((record.value as { service?: unknown }).service === 'enforcement') return undefined;
  const audit = parseValue(RouterAudit, record);
  // The router writes exactly one decision per order, so (order_id, ts) is unique and a replay overwrites
  // the item with an identical one.
  const key = { order_id: str(audit.order_id), ts: num(audit.ts) };
  return {
    type: 'put',
    key,
    item: {
      ...key,
      account_id: str(audit.account_id),
      symbol: str(audit.symbol),
      decision: str(audit.decision),
      // A list, not a string set: a set cannot be empty, and ALLOW decisions match no scope.
      scope_matches: { L: audit.scope_matches.map(str) },
      killswitch_status: str(audit.killswitch_status),
      reason: str(audit.reason),
      corr_id: str(audit.corr_id),
      service: str(audit.service),
      ttl: expiresAt(audit.ts, TTL_DAYS),
    },
  };
}

export const auditIndexTable: TableDefinition = {
  baseName: 'audit-index',
  ttlAttribute: 'ttl',
  ttlDays: TTL_DAYS,
  mapper: auditIndexWrite,
  createInput: (tableName) => ({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'order_id', AttributeType: 'S' },
      { AttributeName: 'ts', AttributeType: 'N' },
      { AttributeName: 'account_id', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'order_id', KeyType: 'HASH' },
      { AttributeName: 'ts', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: AUDIT_INDEX_BY_ACCOUNT,
        // Sorted by ts, so "an account's decisions in a time range" is one Query.
        KeySchema: [
          { AttributeName: 'account_id', KeyType: 'HASH' },
          { AttributeName: 'ts', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  }),
};
