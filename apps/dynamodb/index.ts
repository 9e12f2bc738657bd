// DynamoDB sinks of the risk apps: the audit index, the kill-state cache and the account state index, each a
// queryable copy of a Kafka topic (the topics stay the truth), with table definitions for tests and local use.

export { accountStateTable, accountStateWrite } from './account-state.ts';
export { AUDIT_INDEX_BY_ACCOUNT, auditIndexTable, auditIndexWrite } from './audit-index.ts';
export {
  DynamoDbSinkError,
  DynamoDbSinkErrorCode,
  type Item,
  type ItemMapper,
  type ItemWrite,
  type SinkRecord,
  type TableDefinition,
} from './items.ts';
export {
  DynamoDbSink,
  defaultDynamoDbSinkOptions,
  type DynamoDbSinkOptions,
  type DynamoDbWriter,
  type SinkEnvironment,
  type SinkWriteResult,
} from './sink.ts';
export { stateCacheTable, stateCacheWrite } from './state-cache.ts';
export {
  createSinks,
  createTables,
  defaultTableNameOptions,
  tableNames,
  tables,
  type TableId,
  type TableNameOptions,
  type TableNames,
} from './tables.ts';
