import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/errors.ts';
import { ManualClock } from '../../../common/time.ts';
import { kafkaConnectionFromEnv, mskIamTokenProvider, parseBrokers, type MskTokenSigner } from '../../../runtime/kafka/connection-env.ts';

/** Hands out tok-1, tok-2 … valid 15 minutes from the clock's now, and records each region asked for. */
function fakeSigner(clock: ManualClock) {
  const regions: string[] = [];
  let n = 0;
  let failNext = false;
  const signer: MskTokenSigner = {
    async generateAuthToken({ region }) {
      regions.push(region);
      if (failNext) {
        failNext = false;
        throw new Error('no credentials');
      }
      return { token: `tok-${++n}`, expiryTime: clock.now() + 15 * 60_000 };
    },
  };
  return { signer, regions, failOnce: () => (failNext = true) };
}

describe('kafkaConnectionFromEnv', () => {
  it('is plaintext with the brokers of KAFKA_BROKERS when no SASL mechanism is set', async () => {
    const c = await kafkaConnectionFromEnv({ KAFKA_BROKERS: 'b1:9092, b2:9093' });
    expect(c).toEqual({ brokers: ['b1:9092', 'b2:9093'] });
  });

  it('prefers brokers given on the command line, and refuses none at all or a malformed one', async () => {
    expect((await kafkaConnectionFromEnv({ KAFKA_BROKERS: 'env:1' }, { brokers: ['cli:2'] })).brokers).toEqual(['cli:2']);
    await expect(kafkaConnectionFromEnv({})).rejects.toThrow(/--brokers host:port.*KAFKA_BROKERS/);
    await expect(kafkaConnectionFromEnv({ KAFKA_BROKERS: 'nohost' })).rejects.toThrow('KAFKA_BROKERS: "nohost" is not host:port');
    expect(() => parseBrokers('a:1,b', '--brokers')).toThrow(ConfigError);
  });

  it('maps AWS_MSK_IAM to TLS and OAUTHBEARER with a token signed for AWS_REGION', async () => {
    const clock = new ManualClock(1_000_000);
    const { signer, regions } = fakeSigner(clock);
    const c = await kafkaConnectionFromEnv(
      { KAFKA_BROKERS: 'boot-abc.kafka-serverless.eu-west-1.amazonaws.com:9098', KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM', AWS_REGION: 'eu-west-1' },
      { signer, clock, clientId: 'order-router' },
    );
    expect(c.brokers).toEqual(['boot-abc.kafka-serverless.eu-west-1.amazonaws.com:9098']);
    expect(c.clientId).toBe('order-router');
    expect(c.tls).toEqual({});
    expect(c.sasl?.mechanism).toBe('OAUTHBEARER');
    expect(typeof c.sasl?.token).toBe('function');
    expect(await (c.sasl!.token as () => Promise<string>)()).toBe('tok-1');
    expect(regions).toEqual(['eu-west-1']);
  });

  it('falls back to AWS_DEFAULT_REGION, and refuses IAM without a region or another mechanism', async () => {
    const { signer, regions } = fakeSigner(new ManualClock());
    const c = await kafkaConnectionFromEnv({ KAFKA_BROKERS: 'b:9098', KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM', AWS_DEFAULT_REGION: 'us-east-2' }, { signer });
    await (c.sasl!.token as () => Promise<string>)();
    expect(regions).toEqual(['us-east-2']);
    await expect(kafkaConnectionFromEnv({ KAFKA_BROKERS: 'b:9098', KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM' }, { signer })).rejects.toThrow(/^AWS_REGION: required/);
    await expect(kafkaConnectionFromEnv({ KAFKA_BROKERS: 'b:9098', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' })).rejects.toThrow(
      'KAFKA_SASL_MECHANISM: must be AWS_MSK_IAM or unset, got "SCRAM-SHA-512"',
    );
  });

  it('loads the real signer package when none is injected', async () => {
    const c = await kafkaConnectionFromEnv({ KAFKA_BROKERS: 'b:9098', KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM', AWS_REGION: 'eu-west-1' });
    expect(c.sasl?.mechanism).toBe('OAUTHBEARER');
    const signer = (await import('aws-msk-iam-sasl-signer-js')) as unknown as MskTokenSigner;
    expect(typeof signer.generateAuthToken).toBe('function');
  });
});

describe('mskIamTokenProvider', () => {
  it('reuses a token until a third of its lifetime is left, then signs a new one', async () => {
    const clock = new ManualClock(0);
    const { signer, regions } = fakeSigner(clock);
    const token = mskIamTokenProvider(signer, 'eu-west-1', clock);
    expect(await token()).toBe('tok-1');
    clock.advance(9 * 60_000);
    expect(await token()).toBe('tok-1');
    clock.advance(60_001); // past 10 of 15 minutes
    expect(await token()).toBe('tok-2');
    expect(regions).toHaveLength(2);
  });

  it('shares one signing between concurrent connections and retries after a failure', async () => {
    const clock = new ManualClock(0);
    const { signer, regions, failOnce } = fakeSigner(clock);
    const token = mskIamTokenProvider(signer, 'eu-west-1', clock);
    expect(await Promise.all([token(), token(), token()])).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(regions).toHaveLength(1);
    clock.advance(15 * 60_000);
    failOnce();
    await expect(token()).rejects.toThrow('no credentials');
    expect(await token()).toBe('tok-2');
  });
});
