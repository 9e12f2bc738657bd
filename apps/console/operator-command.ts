// An operator's kill or unkill request, checked and turned into a KillCommand (CONTRACT §2). Scopes are
// stricter than the topic's schema: an operator who types "ACCOUNT: 42" or "account:42" means a real account,
// and a command for a scope no order can match would look applied while stopping nothing.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../common/time.ts';
import type { KillCommand } from '../schemas/records.ts';

export const SCOPE_PATTERN = /^(GLOBAL|ACCOUNT:[^\s:]\S*|SYMBOL:[^\s:]\S*)$/;

const text = (field: string, max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .trim()
    .min(1, `${field} must not be empty`)
    .max(max, `${field} must be at most ${max} characters`);

const OperatorRequest = z.object({
  scope: z
    .string({ error: (issue) => (issue.input === undefined ? 'scope is required' : 'scope must be a string') })
    .regex(SCOPE_PATTERN, 'scope must be GLOBAL, ACCOUNT:<account_id> or SYMBOL:<symbol>'),
  reason: text('reason', 500),
  operator: text('operator', 100),
});
export type OperatorRequest = z.infer<typeof OperatorRequest>;

export type ParsedRequest = { ok: true; request: OperatorRequest } | { ok: false; error: string };

/** Validates a request body; the error says which field is wrong and how, for a 400 the operator can act on. */
export function parseOperatorRequest(body: unknown): ParsedRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'body must be a JSON object with scope, reason and operator' };
  }
  const parsed = OperatorRequest.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0];
  const scope = (body as { scope?: unknown }).scope;
  const got = issue.path[0] === 'scope' && typeof scope === 'string' ? ` (got ${JSON.stringify(scope)})` : '';
  return { ok: false, error: `${issue.message}${got}` };
}

export interface CommandFactory {
  readonly clock: Clock;
  readonly newId?: () => string;
}

/** The command an operator's request becomes: fresh ids, stamped with the clock's now. */
export function operatorCommand(action: KillCommand['action'], request: OperatorRequest, factory: CommandFactory): KillCommand {
  const newId = factory.newId ?? randomUUID;
  return {
    cmd_id: newId(),
    ts: factory.clock.now(),
    scope: request.scope,
    action,
    reason: request.reason,
    triggered_by: 'operator',
    operator: request.operator,
    corr_id: newId(),
  };
}
