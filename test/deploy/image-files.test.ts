// The image's file list (deploy/Dockerfile's COPY through .dockerignore): everything the services run, nothing
// they do not (tests, VCS data, caches, the host's node_modules, the CDK code).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerignore, finalStageCopies, imageFiles, REPO, runtimeClosure } from './image-context.ts';

const files = imageFiles();
const inImage = new Set(files);

describe('the .dockerignore matcher', () => {
  it('follows Docker: last match wins, ! re-includes, a folder pattern covers its files', () => {
    const excluded = dockerignore('*\n!apps/\n**/*.test.ts\n!apps/keep.test.ts\n# comment\n');
    expect(excluded('README.md')).toBe(true);
    expect(excluded('apps/console/server.ts')).toBe(false);
    expect(excluded('apps/a/b.test.ts')).toBe(true);
    expect(excluded('apps/keep.test.ts')).toBe(false);
    expect(excluded('test/x.ts')).toBe(true);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8');

  it('runs any app by name as a non-root user on Node 24, with production dependencies only', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-[a-z]+-slim$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/risk-streams\.ts", "run"\]$/m);
    expect(finalStageCopies(dockerfile)).toEqual([['.']]);
  });

  it('copies every file the CLI and the topic task load, the console page included', () => {
    // `run console` loads the console's server, which reads its page files by URL: the closure follows those too.
    for (const entry of ['bin/risk-streams.ts', 'deploy/provision/main.ts']) {
      const missing = [...runtimeClosure(entry)].filter((f) => !inImage.has(f));
      expect(missing, `needed by ${entry}`).toEqual([]);
    }
    expect([...runtimeClosure('bin/risk-streams.ts')].filter((f) => f.startsWith('apps/console/public/')).length).toBeGreaterThan(0);
    expect(inImage.has('package.json') && inImage.has('package-lock.json')).toBe(true);
  });

  it('copies no tests, VCS data, caches, host node_modules, CDK code, benchmarks or Spark jobs', () => {
    const forbidden = /^(test|\.git|\.cache|\.ci|node_modules|bench|docs|examples|scripts|spark|coverage|deploy\/(bin|constructs|provision\/lambda))\/|\.test\.ts$|^deploy\/(stack|config|services|topics|nag-suppressions)\.ts$/;
    expect(files.filter((f) => forbidden.test(f))).toEqual([]);
    expect(files.every((f) => /^(package(-lock)?\.json|index\.ts|(common|state|operators|topology|runtime|apps|bin|deploy\/provision)\/.+)$/.test(f))).toBe(true);
  });
});
