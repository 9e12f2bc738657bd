// MurmurHash3, x86 128-bit variant, over a row's value bytes: the foreign-key join tags a subscription with it
// and applies an answer only while the row still hashes the same (Kafka uses murmur3's 128-bit x64 variant for
// the same purpose; the x86 one needs only 32-bit arithmetic, which JavaScript does natively).

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export function murmur3x86_128(data: Buffer, seed = 0): Buffer {
  const length = data.length;
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;
  const blocks = length & ~15;
  for (let i = 0; i < blocks; i += 16) {
    let k1 = data.readInt32LE(i);
    let k2 = data.readInt32LE(i + 4);
    let k3 = data.readInt32LE(i + 8);
    let k4 = data.readInt32LE(i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul((rotl(h1, 19) + h2) | 0, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul((rotl(h2, 17) + h3) | 0, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul((rotl(h3, 15) + h4) | 0, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul((rotl(h4, 13) + h1) | 0, 5) + 0x32ac3b17) | 0;
  }
  // The last 0–15 bytes, little-endian into up to four lanes, each mixed only if it holds a byte.
  const tail = new Int32Array(4);
  for (let i = blocks; i < length; i++) tail[(i - blocks) >> 2] |= data[i] << (((i - blocks) & 3) * 8);
  const rest = length - blocks;
  if (rest > 12) h4 ^= Math.imul(rotl(Math.imul(tail[3], C4), 18), C1);
  if (rest > 8) h3 ^= Math.imul(rotl(Math.imul(tail[2], C3), 17), C4);
  if (rest > 4) h2 ^= Math.imul(rotl(Math.imul(tail[1], C2), 16), C3);
  if (rest > 0) h1 ^= Math.imul(rotl(Math.imul(tail[0], C1), 15), C2);

  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  const out = Buffer.allocUnsafe(16);
  out.writeInt32BE(h1, 0);
  out.writeInt32BE(h2, 4);
  out.writeInt32BE(h3, 8);
  out.writeInt32BE(h4, 12);
  return out;
}
