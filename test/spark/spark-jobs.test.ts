// The Spark reference jobs' own tests (spark/tests, pytest) as part of `npm test`: the project's setup builds
// the Python environment (or reuses it), then pytest runs. A missing python3, pip or Java fails this test with
// what to install; it never skips.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '../..');
const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

describe('spark reference jobs', () => {
  it('set up, then pass their pytest suite', { timeout: 20 * 60_000 }, () => {
    const setup = spawnSync('bash', [join(repoRoot, 'spark/setup.sh')], { cwd: repoRoot, env, encoding: 'utf8' });
    if (setup.error !== undefined) throw new Error(`cannot run bash for spark/setup.sh: ${setup.error.message}`);
    expect(setup.status, `spark/setup.sh failed:\n${setup.stderr}`).toBe(0);
    const python = setup.stdout.trim().split('\n').pop()!;

    const pytest = spawnSync(python, ['-m', 'pytest', 'spark/tests', '-q'], { cwd: repoRoot, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    const output = `${pytest.stdout}\n${pytest.stderr}`;
    const summary = output.split('\n').filter((l) => /\b(passed|failed|error)\b/.test(l)).pop() ?? '(no pytest summary)';
    // Exit 5 is "no tests collected": as much a failure here as a failing test.
    expect(pytest.status, `pytest spark/tests exited ${pytest.status}: ${summary}\n${pytest.stdout.slice(-20_000)}`).toBe(0);
    expect(summary).toMatch(/\d+ passed/);
    expect(summary).not.toMatch(/failed|error/);
  });
});
