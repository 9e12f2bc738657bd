// The deployment's settings: stage, network, sizes, desired counts, lag thresholds and the risk thresholds the
// apps run with. Read from CDK context or the environment, merged over defaults, checked by one schema whose
// errors name the key (`/deploy/services/order-router/maxCount: …`).

import { z } from 'zod';
import { riskConfig, type RiskConfig } from '../apps/config.ts';
import type { TopicName } from '../apps/schemas/topics.ts';
import { ConfigError } from '../common/errors.ts';
import { consumesPartitions, serviceNames, services, type ServiceName } from './services.ts';
import { contractTopics, defaultPartitions } from './topics.ts';

// CloudWatch Logs accepts only these retention periods.
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

// Fargate's CPU units and the memory (MiB) each allows.
const FARGATE_MEMORY: Readonly<Record<number, (memory: number) => boolean>> = {
  256: (m) => [512, 1024, 2048].includes(m),
  512: (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  1024: (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  2048: (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  4096: (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
};

const count = z.number().int().min(0).max(100);

const ServiceSettings = z
  .object({
    cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
    memoryMiB: z.number().int(),
    desiredCount: count,
    minCount: count,
    maxCount: count,
    /** Total lag (records, summed over the service's partitions) above which a task is added. */
    lagScaleOutAbove: z.number().int().positive(),
    /** Lag below which a task is removed. */
    lagScaleInBelow: z.number().int().nonnegative(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!FARGATE_MEMORY[s.cpu](s.memoryMiB)) ctx.addIssue({ code: 'custom', path: ['memoryMiB'], message: `${s.memoryMiB} MiB is not a Fargate size for ${s.cpu} CPU units` });
    if (s.minCount > s.desiredCount) ctx.addIssue({ code: 'custom', path: ['minCount'], message: 'must be at most desiredCount' });
    if (s.desiredCount > s.maxCount) ctx.addIssue({ code: 'custom', path: ['maxCount'], message: 'must be at least desiredCount' });
    if (s.lagScaleInBelow >= s.lagScaleOutAbove) ctx.addIssue({ code: 'custom', path: ['lagScaleInBelow'], message: 'must be below lagScaleOutAbove' });
  });
export type ServiceSettings = z.infer<typeof ServiceSettings>;

const namePart = z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be 1-16 lower-case letters, digits or "-", starting with a letter');
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.0.0.0/16');

const DeployConfigSchema = z
  .object({
    /** Names every resource, so stages can share an account: `risk-dev-…`. */
    stage: namePart,
    prefix: namePart,
    /**
     * The region the stack is for. The account stays open (taken from the credentials at deploy time), so synth
     * makes no lookups and needs no credentials.
     */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
    /** Keep tables, buckets and log groups when the stack is deleted (set false only for throw-away stages). */
    retainData: z.boolean(),
    vpc: z
      .object({
        cidr,
        // MSK Serverless needs subnets in at least two zones; an environment-agnostic stack can name two.
        maxAzs: z.number().int().min(2).max(3),
        natGateways: z.number().int().min(0).max(3),
        /** Interface endpoints for ECR, Logs, Monitoring and Secrets Manager, so tasks need no NAT for AWS APIs. */
        interfaceEndpoints: z.boolean(),
      })
      .strict(),
    logRetentionDays: z.number().refine((d) => (RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${RETENTION_DAYS.join(', ')}`),
    /** A pushed image to run; null builds deploy/Dockerfile as a CDK asset. */
    imageUri: z.string().min(1).nullable(),
    /**
     * How long ECS waits after SIGTERM before SIGKILL. The apps commit and close within it; Fargate allows at
     * most 120 s.
     */
    shutdownTimeoutSeconds: z.number().int().min(10).max(120),
    /** Time a task gets to restore its state before failed health checks count; ECS allows at most 300 s. */
    healthCheckStartPeriodSeconds: z.number().int().min(0).max(300),
    /** The port every app serves GET /health on. */
    healthPort: z.number().int().min(1024).max(65535),
    partitions: z
      .object(Object.fromEntries(contractTopics.map((t) => [t, z.number().int().min(1).max(240)])) as Record<TopicName, z.ZodNumber>)
      .strict(),
    services: z.object(Object.fromEntries(serviceNames.map((n) => [n, ServiceSettings])) as Record<ServiceName, typeof ServiceSettings>).strict(),
    console: z
      .object({
        port: z.number().int().min(1024).max(65535),
        /** An internet-facing load balancer must terminate TLS: the bearer token travels in every write. */
        internetFacing: z.boolean(),
        certificateArn: z.string().startsWith('arn:').nullable(),
        /** Who may reach the load balancer; the VPC's own range when empty. */
        allowedCidrs: z.array(cidr),
        /**
         * DNS names operators reach the console by besides the load balancer's own (a record pointing at it, the
         * certificate's name); the console answers 421 to any other Host.
         */
        hostNames: z.array(z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, 'must be a lower-case DNS name such as console.example.com')),
      })
      .strict()
      .superRefine((c, ctx) => {
        if (c.internetFacing && c.certificateArn === null) ctx.addIssue({ code: 'custom', path: ['certificateArn'], message: 'is required when internetFacing is true' });
        if (c.internetFacing && c.allowedCidrs.length === 0) ctx.addIssue({ code: 'custom', path: ['allowedCidrs'], message: 'must name the operators\' ranges when internetFacing is true' });
      }),
    spark: z
      .object({
        releaseLabel: z.string().regex(/^emr-\d+\.\d+\.\d+$/, 'must be an EMR release label such as emr-7.8.0'),
        maxVcpu: z.number().int().min(1).max(400),
        maxMemoryGb: z.number().int().min(2).max(3000),
        idleTimeoutMinutes: z.number().int().min(1).max(10080),
        /**
         * Maven coordinates the jobs load at start (spark.jars.packages): the Kafka source for the release's
         * Spark and MSK's IAM login module. Fetching them needs the NAT gateway.
         */
        packages: z.array(z.string().regex(/^[\w.-]+:[\w.-]+:[\w.-]+$/, 'must be group:artifact:version')),
      })
      .strict(),
    /** The thresholds of CONTRACT §5, handed to the apps as RISK_* variables; checked by the apps' own schema. */
    risk: z.unknown(),
  })
  .strict()
  .superRefine((c, ctx) => {
    // More tasks than partitions leave the extra tasks idle, so the maximum is capped by the service's inputs.
    for (const name of serviceNames) {
      const spec = services[name];
      const settings = c.services[name];
      if (!consumesPartitions(spec)) continue;
      const cap = Math.max(...spec.reads.map((t) => c.partitions[t]));
      if (settings.maxCount > cap) {
        ctx.addIssue({ code: 'custom', path: ['services', name, 'maxCount'], message: `must be at most ${cap}, the partitions of its input topics` });
      }
    }
  });

export type DeployConfig = Omit<z.infer<typeof DeployConfigSchema>, 'risk'> & { readonly risk: RiskConfig };

const streamsDefaults = { cpu: 512, memoryMiB: 1024, desiredCount: 1, minCount: 1, maxCount: 3, lagScaleOutAbove: 5000, lagScaleInBelow: 100 } as const;

export const defaultDeployConfig = {
  stage: 'dev',
  prefix: 'risk',
  region: 'us-east-1',
  retainData: true,
  vpc: { cidr: '10.40.0.0/16', maxAzs: 2, natGateways: 1, interfaceEndpoints: true },
  logRetentionDays: 30,
  imageUri: null,
  shutdownTimeoutSeconds: 60,
  healthCheckStartPeriodSeconds: 120,
  healthPort: 8080,
  partitions: defaultPartitions,
  services: {
    'killswitch-aggregator': streamsDefaults,
    // Two routers: a fail-closed router that restarts stops every order, so a second one keeps routing.
    'order-router': { ...streamsDefaults, cpu: 1024, memoryMiB: 2048, desiredCount: 2, minCount: 2 },
    'risk-signals': streamsDefaults,
    margin: { ...streamsDefaults, cpu: 1024, memoryMiB: 2048 },
    enforcement: streamsDefaults,
    generator: { cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 1, lagScaleOutAbove: 1, lagScaleInBelow: 0 },
    console: { cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 1, lagScaleOutAbove: 1, lagScaleInBelow: 0 },
  },
  console: { port: 8088, internetFacing: false, certificateArn: null, allowedCidrs: [], hostNames: [] },
  spark: {
    releaseLabel: 'emr-7.8.0',
    maxVcpu: 16,
    maxMemoryGb: 64,
    idleTimeoutMinutes: 15,
    packages: ['org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.4', 'software.amazon.msk:aws-msk-iam-auth:2.2.0'],
  },
  risk: {},
} as const satisfies Omit<z.input<typeof DeployConfigSchema>, 'risk'> & { risk: object };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; anything else (arrays included) replaces the default. */
function merge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = merge(base[key], value);
  return out;
}

/** Validates overrides over the defaults; errors name the key, e.g. `/deploy/services/margin/memoryMiB: …`. */
export function deployConfig(overrides: unknown = {}, source = 'deploy config'): DeployConfig {
  if (!isPlainObject(overrides)) throw new ConfigError(`${source}: /deploy: must be an object`);
  const parsed = DeployConfigSchema.safeParse(merge(defaultDeployConfig, overrides));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    const what = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
    throw new ConfigError(`${source}: /deploy/${path.join('/')}: ${what}`, { cause: parsed.error });
  }
  // The apps' own schema decides what a valid threshold is; its message already names the key.
  const risk = riskConfig(parsed.data.risk, `${source}: /deploy/risk`);
  return { ...parsed.data, risk };
}

/** Where the settings come from: `cdk synth -c stage=prod -c riskStreams='{"vpc":{"natGateways":2}}'`. */
export interface DeploySources {
  /** `tryGetContext`: CDK context from cdk.json, `-c key=value` or the App's constructor. */
  readonly context: (key: string) => unknown;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const CONTEXT_KEY = 'riskStreams';
export const ENV_KEY = 'RISK_STREAMS_DEPLOY';

function parseJson(raw: unknown, source: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`${source}: not JSON: ${(error as Error).message}`);
  }
}

/**
 * Defaults, then the environment's RISK_STREAMS_DEPLOY (JSON), then the context's `riskStreams` (an object in
 * cdk.json, JSON on the command line); `stage` may also come alone from `-c stage=…` or RISK_STREAMS_STAGE.
 */
export function loadDeployConfig(sources: DeploySources): DeployConfig {
  const fromEnv = sources.env[ENV_KEY] === undefined ? {} : parseJson(sources.env[ENV_KEY], `environment ${ENV_KEY}`);
  const fromContext = sources.context(CONTEXT_KEY) === undefined ? {} : parseJson(sources.context(CONTEXT_KEY), `context ${CONTEXT_KEY}`);
  if (!isPlainObject(fromEnv)) throw new ConfigError(`environment ${ENV_KEY}: /deploy: must be a JSON object`);
  if (!isPlainObject(fromContext)) throw new ConfigError(`context ${CONTEXT_KEY}: /deploy: must be a JSON object`);
  const stage = sources.context('stage') ?? sources.env.RISK_STREAMS_STAGE;
  const merged = merge(fromEnv, fromContext) as Record<string, unknown>;
  return deployConfig(stage === undefined ? merged : { ...merged, stage }, 'deploy config');
}
