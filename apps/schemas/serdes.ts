// Serdes for the apps' topics: string keys, zod-validated JSON values, so a malformed record fails
// deserialization with the field path and goes to the dead-letter topic.

import { Serdes, type Serde } from '../../common/serdes.ts';
import type { ZodType } from 'zod';
import * as R from './records.ts';

const cache = new Map<ZodType<unknown>, Serde<unknown>>();

export function recordSerde<T>(schema: ZodType<T>): Serde<T> {
  let serde = cache.get(schema as ZodType<unknown>);
  if (serde === undefined) cache.set(schema as ZodType<unknown>, (serde = Serdes.ZodJson(schema as ZodType<unknown>)));
  return serde as Serde<T>;
}

export const KeySerde = Serdes.String();
export const JsonSerde = Serdes.Json<unknown>();

export const serdes = {
  order: recordSerde(R.Order),
  killCommand: recordSerde(R.KillCommand),
  killState: recordSerde(R.KillState),
  riskSignal: recordSerde(R.RiskSignal),
  audit: recordSerde(R.AuditEvent),
  fill: recordSerde(R.Fill),
  price: recordSerde(R.Price),
  beta: recordSerde(R.Beta),
  cash: recordSerde(R.CashTxn),
  marginCalc: recordSerde(R.MarginCalc),
  stress: recordSerde(R.StressResult),
  marginCall: recordSerde(R.MarginCallRecord),
  restriction: recordSerde(R.Restriction),
  liquidation: recordSerde(R.Liquidation),
} as const;
