import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/errors.ts';
import { tableNames, tables } from '../../../apps/dynamodb/index.ts';

describe('tableNames', () => {
  it('uses the seeds\' names, with prefix and stage in front when given', () => {
    expect(tableNames()).toEqual({ auditIndex: 'audit-index', stateCache: 'state-cache', accountState: 'account-state' });
    expect(tableNames({ prefix: 'risk', stage: 'prod' })).toEqual({
      auditIndex: 'risk-prod-audit-index',
      stateCache: 'risk-prod-state-cache',
      accountState: 'risk-prod-account-state',
    });
    expect(tableNames({ stage: 'dev' }).stateCache).toBe('dev-state-cache');
  });

  it('refuses characters DynamoDB does not allow and unknown keys, naming the key', () => {
    expect(() => tableNames({ stage: 'dev/eu' })).toThrow(ConfigError);
    expect(() => tableNames({ stage: 'dev/eu' })).toThrow(/^\/dynamodb\/stage: may hold only/);
    expect(() => tableNames({ prefx: 'risk' } as never)).toThrow('/dynamodb/prefx: unknown key');
  });
});

describe('table definitions', () => {
  it('declare every key attribute they use, and a TTL attribute', () => {
    for (const table of Object.values(tables)) {
      const input = table.createInput('t');
      const declared = new Set(input.AttributeDefinitions!.map((a) => a.AttributeName));
      const used = [...input.KeySchema!, ...(input.GlobalSecondaryIndexes ?? []).flatMap((g) => g.KeySchema!)].map((k) => k.AttributeName);
      expect(new Set(used)).toEqual(declared);
      expect(table.ttlAttribute).toBe('ttl');
    }
  });
});
