// What DynamoDB Local's provisioning says when a tool is missing; no server is started here.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DynamoDbLocalSetupError, ensureDynamoDbLocal, startDynamoDbLocal } from '../../../scripts/dynamodb/dynamodb-local.ts';

describe('DynamoDB Local provisioning', () => {
  it('names the JDK to install when java cannot be run', async () => {
    const start = startDynamoDbLocal({ java: '/nonexistent/bin/java' });
    await expect(start).rejects.toThrow(DynamoDbLocalSetupError);
    await expect(start).rejects.toThrow(/needs Java 17 .*Install a JDK 17 or later \(Debian\/Ubuntu: apt-get install openjdk-17-jdk-headless\)/);
  });

  it('names Maven when the cache is empty and mvn cannot be run', () => {
    const emptyCache = mkdtempSync(join(tmpdir(), 'dynamodb-local-'));
    try {
      expect(() => ensureDynamoDbLocal({ cacheDir: join(emptyCache, 'cache'), mvn: '/nonexistent/bin/mvn' })).toThrow(
        /Maven is needed once.*Install it \(Debian\/Ubuntu: apt-get install maven\)/,
      );
    } finally {
      rmSync(emptyCache, { recursive: true, force: true });
    }
  });
});
