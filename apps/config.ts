// The risk apps' configuration (CONTRACT §5): a JSON file or RISK_* environment variables over the defaults,
// validated by one schema that refuses unknown keys, wrong types and out-of-range values by path.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../common/errors.ts';

const Risk = z
  .object({
    windowMs: z.number().int().positive(),
    orderRateThreshold60s: z.number().int().nonnegative(),
    notionalThreshold60s: z.number().nonnegative(),
    symbolConcentrationThreshold: z.number().gt(0).max(1),
    concentrationMinOrders: z.number().int().positive(),
  })
  .strict();

const Margin = z
  .object({
    longMaintenanceRate: z.number().min(0).max(1),
    shortMaintenanceRate: z.number().min(0).max(1),
    stressScenarios: z.array(z.number().min(-1).max(1)).min(1),
    stressRestrictAbsScenario: z.number().min(0).max(1),
    warningThreshold: z.number().nonnegative(),
    restrictAfterMs: z.number().int().positive(),
    liquidateAfterMs: z.number().int().positive(),
  })
  .strict()
  .refine((m) => m.liquidateAfterMs > m.restrictAfterMs, {
    message: 'must be greater than restrictAfterMs',
    path: ['liquidateAfterMs'],
  });

const RiskConfigSchema = z.object({ risk: Risk, margin: Margin }).strict();
export type RiskConfig = z.infer<typeof RiskConfigSchema>;

export const defaultRiskConfig = {
  risk: {
    windowMs: 60_000,
    orderRateThreshold60s: 100,
    notionalThreshold60s: 1_000_000,
    symbolConcentrationThreshold: 0.7,
    concentrationMinOrders: 20,
  },
  margin: {
    longMaintenanceRate: 0.25,
    shortMaintenanceRate: 0.3,
    stressScenarios: [-0.08, -0.06, -0.04, -0.02, 0, 0.02, 0.04, 0.06],
    stressRestrictAbsScenario: 0.06,
    warningThreshold: 10_000,
    restrictAfterMs: 3_600_000,
    liquidateAfterMs: 7_200_000,
  },
} as const satisfies RiskConfig;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Validates a partial config over the defaults; the error names the key, e.g. `/risk/windowMs: …`. */
export function riskConfig(overrides: unknown = {}, source = 'config'): RiskConfig {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new ConfigError(`${source}: must be a JSON object`);
  }
  const input = overrides as DeepPartial<RiskConfig> & Record<string, unknown>;
  const merged = {
    ...input,
    risk: { ...defaultRiskConfig.risk, ...(input.risk as object | undefined) },
    margin: { ...defaultRiskConfig.margin, ...(input.margin as object | undefined) },
  };
  const parsed = RiskConfigSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  throw configIssue(parsed.error, source);
}

/** A schema's first complaint as a ConfigError naming the key: `file.json: /risk/windowMs: …`. */
export function configIssue(error: z.ZodError, source: string): ConfigError {
  const issue = error.issues[0];
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const what = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
  return new ConfigError(`${source}: /${path.join('/')}: ${what}`, { cause: error });
}

/** A JSON config file's content, unchecked; unreadable files and bad JSON are ConfigErrors naming the file. */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: invalid JSON: ${(error as Error).message}`);
  }
}

/** RISK_<SECTION>_<KEY> environment variables, e.g. RISK_RISK_WINDOW_MS=30000, RISK_MARGIN_STRESS_SCENARIOS=[-0.1,0.1]. */
export function riskConfigFromEnv(env: NodeJS.ProcessEnv): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, raw] of Object.entries(env)) {
    const match = /^RISK_(RISK|MARGIN)_([A-Z0-9_]+)$/.exec(name);
    if (match === null || raw === undefined) continue;
    const section = match[1].toLowerCase();
    const key = match[2].toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ConfigError(`environment ${name}: not a JSON value: ${raw}`);
    }
    (out[section] ??= {})[key] = value;
  }
  return out;
}

/** The config an app runs with: defaults, then the file (if any), then the environment. */
export function loadRiskConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): RiskConfig {
  let fromFile: Record<string, Record<string, unknown>> = {};
  if (file !== undefined) {
    fromFile = readConfigFile(file) as typeof fromFile;
    riskConfig(fromFile, file);
  }
  const fromEnv = riskConfigFromEnv(env);
  return riskConfig(
    {
      ...fromFile,
      risk: { ...fromFile.risk, ...fromEnv.risk },
      margin: { ...fromFile.margin, ...fromEnv.margin },
    },
    file === undefined ? 'environment' : `${file} + environment`,
  );
}
