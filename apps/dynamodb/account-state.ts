// account-state (seed 001 "DynamoDB State Index"): each margin record of an account, by time, so the latest
// state is one Query (descending, limit 1) and its history a range Query. margin.calc.v1 is the truth.

import { MarginCalc, MarginCallRecord, Topics } from '../schemas/index.ts';
import { NULL, expiresAt, parseValue, str, num, type ItemWrite, type SinkRecord, type TableDefinition } from './items.ts';

const TTL_DAYS = 30;

/**
 * A margin record becomes the item at (account_id, ts). A margin call annotates the item of the margin record
 * that caused it: enforcement emits the call while processing that record, so both carry the same ts.
 */
export function accountStateWrite(record: SinkRecord): ItemWrite | undefined {
  if (record.value === null) return undefined;
  if (record.topic === Topics.MARGIN_CALC) {
    const margin = parseValue(MarginCalc, record);
    const key = { account_id: str(margin.account_id), timestamp: num(margin.ts) };
    return {
      type: 'put',
      key,
      item: {
        ...key,
        equity: num(margin.equity),
        market_value: num(margin.market_value),
        maintenance_req: num(margin.maintenance_req),
        excess: num(margin.excess),
        status: str(margin.status),
        margin_call_issued_at: NULL,
        ttl: expiresAt(margin.ts, TTL_DAYS),
      },
    };
  }
  if (record.topic === Topics.MARGIN_CALLS) {
    const call = parseValue(MarginCallRecord, record);
    return {
      type: 'annotate',
      key: { account_id: str(call.account_id), timestamp: num(call.ts) },
      attributes: { margin_call_issued_at: num(call.ts), margin_call_id: str(call.call_id) },
    };
  }
  return undefined;
}

export const accountStateTable: TableDefinition = {
  baseName: 'account-state',
  ttlAttribute: 'ttl',
  ttlDays: TTL_DAYS,
  mapper: accountStateWrite,
  createInput: (tableName) => ({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'account_id', AttributeType: 'S' },
      { AttributeName: 'timestamp', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'account_id', KeyType: 'HASH' },
      { AttributeName: 'timestamp', KeyType: 'RANGE' },
    ],
  }),
};
