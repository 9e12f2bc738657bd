// The end-of-run summary: records in and out per topic, drops by scope, kills, margin calls.

import type { FileRecord } from '../../runtime/replay/record-files.ts';
import { Topics } from '../schemas/topics.ts';

export function summarize(
  inputs: ReadonlyMap<string, readonly FileRecord[]>,
  outputs: ReadonlyMap<string, readonly FileRecord[]>,
  run: { processed: number; seconds: number },
): string {
  const lines: string[] = [];
  lines.push(`processed ${run.processed.toLocaleString('en-US')} record deliveries in ${run.seconds.toFixed(2)} s`);
  lines.push('', 'topic                        in        out');
  const topics = [...new Set([...inputs.keys(), ...outputs.keys()])].sort();
  for (const t of topics) {
    lines.push(`${t.padEnd(24)} ${String(inputs.get(t)?.length ?? 0).padStart(7)} ${String(outputs.get(t)?.length ?? 0).padStart(10)}`);
  }
  const audit = (outputs.get(Topics.AUDIT) ?? []).map((r) => r.value as Record<string, unknown>);
  const decisions = audit.filter((a) => a.service === 'order_router');
  const drops = decisions.filter((a) => a.decision === 'DROP');
  const byScope = new Map<string, number>();
  for (const d of drops) for (const s of d.scope_matches as string[]) byScope.set(s, (byScope.get(s) ?? 0) + 1);
  lines.push('', `orders: ${decisions.length} decisions, ${decisions.length - drops.length} allowed, ${drops.length} dropped`);
  for (const [scope, n] of [...byScope].sort((a, b) => b[1] - a[1])) lines.push(`  dropped under ${scope}: ${n}`);
  const kills = (outputs.get(Topics.KILLSWITCH_COMMANDS) ?? []).map((r) => r.value as Record<string, unknown>);
  lines.push(`automatic kills: ${kills.length}`);
  for (const k of kills) lines.push(`  ${k.scope}: ${k.reason}`);
  const calls = outputs.get(Topics.MARGIN_CALLS) ?? [];
  lines.push(`margin calls: ${calls.length}`);
  for (const c of calls) {
    const v = c.value as { account_id: string; deficiency: number };
    lines.push(`  account ${v.account_id}: deficiency ${v.deficiency.toFixed(2)}`);
  }
  const dead = outputs.get(Topics.DEAD_LETTER)?.length ?? 0;
  if (dead > 0) lines.push(`dead-lettered records: ${dead} (see ${Topics.DEAD_LETTER}.jsonl)`);
  return lines.join('\n');
}
