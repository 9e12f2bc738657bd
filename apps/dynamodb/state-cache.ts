// state-cache (seed 000): the latest kill-switch state per scope, for fast lookups by dashboards and tools.
// The compacted killswitch.state.v1 topic is the truth: a miss or an expired item means "ask Kafka", never ACTIVE.

import { KillState, Topics } from '../schemas/index.ts';
import { DynamoDbSinkError, DynamoDbSinkErrorCode, expiresAt, parseValue, str, num, type ItemWrite, type SinkRecord, type TableDefinition } from './items.ts';

const TTL_DAYS = 7;

/** A state record replaces the scope's item; a tombstone, which compaction uses to forget a scope, deletes it. */
export function stateCacheWrite(record: SinkRecord): ItemWrite | undefined {
  if (record.topic !== Topics.KILLSWITCH_STATE) return undefined;
  if (record.value === null) {
    if (record.key === null) {
      throw new DynamoDbSinkError(
        DynamoDbSinkErrorCode.BAD_RECORD,
        `${record.topic} tombstone at timestamp ${record.timestamp} has no key, so no scope to delete. Fix the producer.`,
      );
    }
    return { type: 'delete', key: { scope: str(record.key) } };
  }
  const state = parseValue(KillState, record);
  const key = { scope: str(state.scope) };
  return {
    type: 'put',
    key,
    item: {
      ...key,
      status: str(state.status),
      updated_ts: num(state.updated_ts),
      updated_by: str(state.updated_by),
      reason: str(state.reason),
      last_cmd_id: str(state.last_cmd_id),
      corr_id: str(state.corr_id),
      ttl: expiresAt(state.updated_ts, TTL_DAYS),
    },
  };
}

export const stateCacheTable: TableDefinition = {
  baseName: 'state-cache',
  ttlAttribute: 'ttl',
  ttlDays: TTL_DAYS,
  mapper: stateCacheWrite,
  createInput: (tableName) => ({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'scope', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'scope', KeyType: 'HASH' }],
  }),
};
