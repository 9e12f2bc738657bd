// The replay CLI as a user runs it: files in, files out, byte-identical across runs, bad lines named.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const node = process.execPath;
const cli = join(import.meta.dirname, '../../../bin/risk-streams.ts');
const run = (...args: string[]) => execFileSync(node, [cli, ...args], { encoding: 'utf8' });

describe('risk-streams replay', () => {
  it('writes the same files twice from the same input, with a summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
    run('generate', '--output', join(dir, 'in'), '--minutes', '4', '--accounts', '20', '--seed', '3');
    const first = run('replay', '--input', join(dir, 'in'), '--output', join(dir, 'out1'));
    run('replay', '--input', join(dir, 'in'), '--output', join(dir, 'out2'));
    const files = readdirSync(join(dir, 'out1')).sort();
    expect(files).toContain('audit.v1.jsonl');
    expect(readdirSync(join(dir, 'out2')).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(dir, 'out2', f))).toEqual(readFileSync(join(dir, 'out1', f)));
    expect(first).toMatch(/orders: \d+ decisions/);
  });

  it('reports bad lines by file and line number and exits non-zero', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-bad-'));
    const input = join(dir, 'in');
    run('generate', '--output', input, '--minutes', '1', '--accounts', '5');
    const path = join(input, 'orders.v1.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = '{"timestamp": "soon", "key": "1", "value": {}}';
    lines[4] = 'not json';
    writeFileSync(path, lines.join('\n'));
    const result = spawnSync(node, [cli, 'replay', '--input', input, '--output', join(dir, 'out')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${path}:3: "timestamp" must be a non-negative integer`);
    expect(result.stderr).toContain(`${path}:5: invalid JSON`);
  });

  it('refuses unknown options and bad config keys with the key named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-cfg-'));
    run('generate', '--output', join(dir, 'in'), '--minutes', '1', '--accounts', '5');
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ risk: { windowMs: -5 } }));
    const bad = spawnSync(node, [cli, 'replay', '--input', join(dir, 'in'), '--output', join(dir, 'o'), '--config', join(dir, 'cfg.json')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/\/risk\/windowMs/);
    const unknown = spawnSync(node, [cli, 'replay', '--inptu', 'x'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown option --inptu');
  });
});
