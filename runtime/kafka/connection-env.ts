// Kafka connection settings from the environment a deployment sets: KAFKA_BROKERS, and KAFKA_SASL_MECHANISM=
// AWS_MSK_IAM for Amazon MSK's IAM sign-in (SASL OAUTHBEARER over TLS, the token signed with the process's AWS
// credentials by aws-msk-iam-sasl-signer-js, loaded only when asked for).

import { ConfigError } from '../../common/errors.ts';
import { type Clock, systemClock } from '../../common/time.ts';
import type { KafkaConnectionOptions } from './kafka-adapter.ts';

export const SaslMechanism = { AWS_MSK_IAM: 'AWS_MSK_IAM' } as const;

/** The part of aws-msk-iam-sasl-signer-js used here; tests pass a fake. */
export interface MskTokenSigner {
  generateAuthToken(options: { region: string }): Promise<{ token: string; expiryTime: number }>;
}

export interface ConnectionFromEnvOptions {
  /** From the command line; they win over KAFKA_BROKERS. */
  readonly brokers?: readonly string[];
  readonly clientId?: string;
  readonly signer?: MskTokenSigner;
  readonly clock?: Clock;
}

const MSK_IAM_SIGNER = 'aws-msk-iam-sasl-signer-js';

/** `a:1, b:2` → ['a:1', 'b:2']; each must be host:port. */
export function parseBrokers(raw: string, source: string): string[] {
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  for (const b of brokers) {
    if (!/^[^:\s]+:\d+$/.test(b)) throw new ConfigError(`${source}: "${b}" is not host:port`);
  }
  return brokers;
}

/**
 * Brokers, SASL and TLS for the clients. Without KAFKA_SASL_MECHANISM the connection is plaintext; with
 * AWS_MSK_IAM it is TLS plus OAUTHBEARER whose token is signed for AWS_REGION and re-signed before it expires.
 */
export async function kafkaConnectionFromEnv(env: NodeJS.ProcessEnv, options: ConnectionFromEnvOptions = {}): Promise<KafkaConnectionOptions> {
  const brokers = options.brokers !== undefined && options.brokers.length > 0 ? [...options.brokers] : parseBrokers(env.KAFKA_BROKERS ?? '', 'KAFKA_BROKERS');
  if (brokers.length === 0) throw new ConfigError('brokers: none given; pass --brokers host:port[,host:port…] or set KAFKA_BROKERS');
  const base: KafkaConnectionOptions = { brokers, ...(options.clientId === undefined ? {} : { clientId: options.clientId }) };
  const mechanism = env.KAFKA_SASL_MECHANISM?.trim() ?? '';
  if (mechanism === '') return base;
  if (mechanism !== SaslMechanism.AWS_MSK_IAM) {
    throw new ConfigError(`KAFKA_SASL_MECHANISM: must be ${SaslMechanism.AWS_MSK_IAM} or unset, got ${JSON.stringify(mechanism)}`);
  }
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new ConfigError('AWS_REGION: required with KAFKA_SASL_MECHANISM=AWS_MSK_IAM (tokens are signed for a region)');
  const signer = options.signer ?? (await loadSigner());
  // MSK's IAM listener (port 9098) speaks TLS only; the default CA bundle trusts its certificates.
  return { ...base, tls: {}, sasl: { mechanism: 'OAUTHBEARER', token: mskIamTokenProvider(signer, region, options.clock ?? systemClock) } };
}

async function loadSigner(): Promise<MskTokenSigner> {
  try {
    return (await import(MSK_IAM_SIGNER)) as MskTokenSigner;
  } catch (error) {
    throw new ConfigError(`KAFKA_SASL_MECHANISM=AWS_MSK_IAM needs the ${MSK_IAM_SIGNER} package: npm install ${MSK_IAM_SIGNER}`, { cause: error });
  }
}

/**
 * The token function the client calls on every new connection and on every re-authentication (at 80 % of the
 * session lifetime the broker grants, which MSK bounds by the token's expiry). Signing calls AWS for
 * credentials, so one token serves all connections until less than a third of its lifetime is left; concurrent
 * callers share one signing, and a failed signing is retried by the next call rather than cached.
 */
export function mskIamTokenProvider(signer: MskTokenSigner, region: string, clock: Clock = systemClock): () => Promise<string> {
  let current: { token: string; refreshAt: number } | null = null;
  let signing: Promise<string> | null = null;
  return () => {
    if (current !== null && clock.now() < current.refreshAt) return Promise.resolve(current.token);
    signing ??= (async () => {
      try {
        const issued = clock.now();
        const { token, expiryTime } = await signer.generateAuthToken({ region });
        current = { token, refreshAt: expiryTime - (expiryTime - issued) / 3 };
        return token;
      } finally {
        signing = null;
      }
    })();
    return signing;
  };
}
