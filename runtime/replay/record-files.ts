// Record files (CONTRACT §6): JSON Lines of {timestamp, key, value, headers?}, one file per topic named
// <topic>.jsonl. Reading checks every line and reports bad ones by file and line; writing is stable
// (same records, same bytes).

import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StreamsError } from '../../common/errors.ts';
import type { Headers } from '../../common/record.ts';

export interface FileRecord {
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: unknown;
  readonly headers?: Headers;
}

export class RecordFileError extends StreamsError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const shown = problems.slice(0, 20).join('\n  ');
    const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
    super('STREAMS_RECORD_FILE', `bad record lines:\n  ${shown}${more}`);
    this.problems = problems;
  }
}

/** Parses one record file; throws RecordFileError listing every bad line as `file:line: reason`. */
export function readRecordFile(path: string): FileRecord[] {
  const records: FileRecord[] = [];
  const problems: string[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path}:${index + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      problems.push(`${where}: invalid JSON (${(error as Error).message})`);
      return;
    }
    const problem = checkRecord(parsed);
    if (problem !== null) problems.push(`${where}: ${problem}`);
    else records.push(parsed as FileRecord);
  });
  if (problems.length > 0) throw new RecordFileError(problems);
  return records;
}

function checkRecord(r: unknown): string | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'a record must be a JSON object';
  const o = r as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['timestamp', 'key', 'value', 'headers'].includes(key)) return `unknown field "${key}"`;
  }
  if (typeof o.timestamp !== 'number' || !Number.isInteger(o.timestamp) || o.timestamp < 0) {
    return '"timestamp" must be a non-negative integer (epoch ms)';
  }
  if (!('key' in o) || (o.key !== null && typeof o.key !== 'string')) return '"key" must be a string or null';
  if (!('value' in o) || (o.value !== null && (typeof o.value !== 'object' || Array.isArray(o.value)))) {
    return '"value" must be an object or null (a tombstone)';
  }
  if (o.headers !== undefined) {
    if (typeof o.headers !== 'object' || o.headers === null || Array.isArray(o.headers)) return '"headers" must be an object';
    for (const [k, v] of Object.entries(o.headers)) if (typeof v !== 'string') return `header "${k}" must be a string`;
  }
  return null;
}

/** `<topic>.jsonl` files of a folder, by topic name. */
export function recordFilesIn(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.jsonl')) files.set(basename(name, '.jsonl'), join(dir, name));
  }
  return files;
}

export function formatRecord(record: FileRecord): string {
  const out: Record<string, unknown> = { timestamp: record.timestamp, key: record.key, value: record.value };
  if (record.headers !== undefined && Object.keys(record.headers).length > 0) out.headers = record.headers;
  return JSON.stringify(out);
}

/** Writes records to a file, resolving once they are on disk. */
export function writeRecordFile(path: string, records: Iterable<FileRecord>): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path);
    stream.on('error', reject);
    let buffer = '';
    for (const record of records) {
      buffer += `${formatRecord(record)}\n`;
      if (buffer.length > 1 << 20) {
        stream.write(buffer);
        buffer = '';
      }
    }
    stream.end(buffer, () => resolve());
  });
}
