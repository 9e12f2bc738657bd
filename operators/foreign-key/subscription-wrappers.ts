// What the two halves of a foreign-key join send each other through their internal topics: a subscription (left
// row → foreign key's partition) and a response (foreign row → left row's partition), with their byte layouts.

import { DeserializationError } from '../../common/errors.ts';
import type { Serde } from '../../common/serdes.ts';
import { readTimestamp, writeTimestamp } from '../../state/join-buffer/buffer-keys.ts';
import { murmur3x86_128 } from './value-hash.ts';

/** What the right side does with a subscription (Kafka's SubscriptionWrapper.Instruction). */
export const SubscriptionInstruction = {
  /** Drop the subscription; no answer (the foreign key changed, the new subscription answers). */
  DELETE_KEY_NO_PROPAGATE: 0,
  /** Drop the subscription and answer with null, so the left side retracts its result. */
  DELETE_KEY_AND_PROPAGATE: 1,
  /** Keep the subscription and answer with the foreign value, or null when there is none. */
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE: 2,
  /** Keep the subscription and answer only when a foreign value exists. */
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE: 3,
} as const;
export type SubscriptionInstruction = (typeof SubscriptionInstruction)[keyof typeof SubscriptionInstruction];

export interface Subscription {
  /** Hash of the left row's value bytes when it was sent; null for a deleted row. */
  readonly hash: Buffer | null;
  readonly instruction: SubscriptionInstruction;
  /** The left row's key, serialized with the left table's key serde. */
  readonly primaryKey: Buffer;
  /** The left row's partition, where the response must go; −1 when unknown. */
  readonly primaryPartition: number;
}

export interface SubscriptionResponse<VO> {
  readonly hash: Buffer | null;
  readonly foreignValue: VO | null;
  readonly primaryPartition: number;
}

export const HASH_BYTES = 16;
const VERSION = 1;

/** 128-bit digest of a row's value bytes: a response is applied only while the row still hashes the same. */
export const valueHash = (bytes: Buffer): Buffer => murmur3x86_128(bytes);

export function sameHash(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

function checkVersion(data: Buffer, what: string): void {
  if (data.length < 2 || data[0] !== VERSION) {
    throw new DeserializationError(`${what} of version ${data[0]} is not understood (expected ${VERSION}); upgrade this instance`);
  }
}

/** [version][instruction][has hash][hash:16?][partition:int32][primary key bytes] */
export const subscriptionSerde: Serde<Subscription> = {
  serialize(subscription) {
    if (subscription === null) return null;
    const hashLength = subscription.hash === null ? 0 : HASH_BYTES;
    const out = Buffer.allocUnsafe(3 + hashLength + 4 + subscription.primaryKey.length);
    out[0] = VERSION;
    out[1] = subscription.instruction;
    out[2] = hashLength === 0 ? 0 : 1;
    subscription.hash?.copy(out, 3);
    out.writeInt32BE(subscription.primaryPartition, 3 + hashLength);
    subscription.primaryKey.copy(out, 7 + hashLength);
    return out;
  },
  deserialize(data) {
    if (data === null) return null;
    checkVersion(data, 'subscription');
    const hashLength = data[2] === 1 ? HASH_BYTES : 0;
    return {
      instruction: data[1] as SubscriptionInstruction,
      hash: hashLength === 0 ? null : data.subarray(3, 3 + HASH_BYTES),
      primaryPartition: data.readInt32BE(3 + hashLength),
      primaryKey: data.subarray(7 + hashLength),
    };
  },
};

/** [version][has hash][hash:16?][partition:int32][has value][foreign value bytes] */
export function responseSerde<VO>(foreignValueSerde: Serde<VO>): Serde<SubscriptionResponse<VO>> {
  return {
    serialize(response, topic) {
      if (response === null) return null;
      const hashLength = response.hash === null ? 0 : HASH_BYTES;
      const valueBytes = response.foreignValue === null ? null : foreignValueSerde.serialize(response.foreignValue, topic);
      const out = Buffer.allocUnsafe(2 + hashLength + 5 + (valueBytes?.length ?? 0));
      out[0] = VERSION;
      out[1] = hashLength === 0 ? 0 : 1;
      response.hash?.copy(out, 2);
      out.writeInt32BE(response.primaryPartition, 2 + hashLength);
      out[6 + hashLength] = valueBytes === null ? 0 : 1;
      valueBytes?.copy(out, 7 + hashLength);
      return out;
    },
    deserialize(data, topic) {
      if (data === null) return null;
      checkVersion(data, 'subscription response');
      const hashLength = data[1] === 1 ? HASH_BYTES : 0;
      return {
        hash: hashLength === 0 ? null : data.subarray(2, 2 + HASH_BYTES),
        primaryPartition: data.readInt32BE(2 + hashLength),
        foreignValue: data[6 + hashLength] === 1 ? foreignValueSerde.deserialize(data.subarray(7 + hashLength), topic) : null,
      };
    },
  };
}

/** Bytes that are already serialized pass as they are (the right side forwards stored value bytes). */
const RAW_BYTES: Serde<Buffer> = { serialize: (value) => value, deserialize: (data) => data };
export const rawResponseSerde: Serde<SubscriptionResponse<Buffer>> = responseSerde(RAW_BYTES);

/**
 * Key of the subscription store: [foreign key length:int32][foreign key][primary key], so every subscription
 * of one foreign key shares the prefix [length][foreign key] and no other key does.
 */
export function subscriptionStoreKey(foreignKey: Buffer, primaryKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length + primaryKey.length);
  out.writeInt32BE(foreignKey.length, 0);
  foreignKey.copy(out, 4);
  primaryKey.copy(out, 4 + foreignKey.length);
  return out;
}

export function subscriptionStorePrefix(foreignKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length);
  out.writeInt32BE(foreignKey.length, 0);
  foreignKey.copy(out, 4);
  return out;
}

/** Value of the subscription store: [timestamp:8][partition:int32][hash:16]. */
export function encodeStoredSubscription(timestamp: number, primaryPartition: number, subscriptionHash: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + HASH_BYTES);
  writeTimestamp(out, 0, timestamp);
  out.writeInt32BE(primaryPartition, 8);
  subscriptionHash.copy(out, 12);
  return out;
}

export function decodeStoredSubscription(data: Buffer): { timestamp: number; primaryPartition: number; hash: Buffer } {
  return { timestamp: readTimestamp(data, 0), primaryPartition: data.readInt32BE(8), hash: data.subarray(12, 12 + HASH_BYTES) };
}
