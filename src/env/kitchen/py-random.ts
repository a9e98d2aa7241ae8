/**
 * CPython's `random.Random`, reproduced draw for draw: the Mersenne Twister MT19937 seeded from an integer as
 * `random.seed(int)` does (the absolute value split into 32-bit words, least significant first, fed to
 * `init_by_array`), `getrandbits(k)`, `_randbelow(n)` by rejection on `getrandbits(n.bit_length())`, `random()`,
 * `randrange`, `randint`, `choice`, `shuffle` and `sample` with both of its algorithms (a pool of the population when
 * it is small relative to k, otherwise a set of the indices already drawn, chosen by CPython's `setsize` rule).
 * The kitchen evaluation list (eval-list.ts) is drawn from it, so a list generated in Python with
 * `random.Random(42)` is the same list here.
 *
 * numpy's RandomState (core/rng.ts) runs the same MT19937 but seeds it differently (`init_genrand(seed)`), so its
 * streams differ from these for the same integer; this file keeps its own copy of the generator core so core/rng.ts
 * stays exactly as it is.
 *
 * @example
 * const r = new PyRandom(42);
 * r.sampleRange(0, 2 ** 31, 2); // [478163327, 107420369], as random.Random(42).sample(range(0, 2**31), 2)
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_32 = 4294967296;

/** Bits needed to write n in binary, as Python's `int.bit_length()` (0 for 0). */
function bitLength(n: number): number {
  let bits = 0;
  let v = n;
  while (v >= TWO_32) {
    v = Math.floor(v / TWO_32);
    bits += 32;
  }
  return bits + (v === 0 ? 0 : 32 - Math.clz32(v));
}

/** The 32-bit words of |seed|, least significant first; [0] for 0 (CPython's `random_seed` for an int). */
function seedWords(seed: number | bigint): number[] {
  let n = typeof seed === "bigint" ? seed : BigInt(seed);
  if (n < 0n) n = -n;
  const words: number[] = [];
  while (n > 0n) {
    words.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  return words.length === 0 ? [0] : words;
}

export class PyRandom {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /** Seeds as `random.Random(seed)` does for an int seed (any size; the sign is dropped, as CPython drops it). */
  constructor(seed: number | bigint) {
    if (typeof seed === "number" && !Number.isSafeInteger(seed)) {
      throw new RangeError(`seed must be a safe integer or a bigint, got ${seed}`);
    }
    this.initByArray(seedWords(seed));
  }

  /** The next raw 32-bit output, 0..2^32-1 (CPython's `genrand_uint32`). */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double uniform in [0, 1) with 53 random bits, as `random()`. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A non-negative integer with k random bits, as `getrandbits(k)`: 32-bit words from the least significant one up,
   * the last (most significant) word keeping only the top bits of its draw.
   */
  getrandbits(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`getrandbits needs an integer k >= 0, got ${k}`);
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let r = this.nextUint32();
      if (left < 32) r >>>= 32 - left;
      result |= BigInt(r) << shift;
      shift += 32n;
    }
    return result;
  }

  /** An integer in [0, n) for 0 < n <= 2^53, as `_randbelow(n)`: draw bit_length(n) bits until the value is < n. */
  randbelow(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`randbelow needs a safe integer n > 0, got ${n}`);
    const k = bitLength(n);
    let r = this.bitsAsNumber(k);
    while (r >= n) r = this.bitsAsNumber(k);
    return r;
  }

  /** An integer in [start, stop), as `randrange(start, stop)` (step 1). */
  randrange(start: number, stop: number): number {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop) || stop <= start) {
      throw new RangeError(`randrange needs safe integers start < stop, got ${start}, ${stop}`);
    }
    return start + this.randbelow(stop - start);
  }

  /** An integer in [a, b], both ends included, as `randint(a, b)`. */
  randint(a: number, b: number): number {
    return this.randrange(a, b + 1);
  }

  /** One element of a non-empty sequence, as `choice(seq)`. */
  choice<T>(seq: readonly T[]): T {
    if (seq.length === 0) throw new RangeError("choice of an empty sequence");
    return seq[this.randbelow(seq.length)];
  }

  /** Shuffles in place, as `shuffle(x)`: from the last position down, swap with a draw in [0, i]. */
  shuffle<T>(x: T[]): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const tmp = x[i];
      x[i] = x[j];
      x[j] = tmp;
    }
  }

  /**
   * k distinct elements of `range(start, start + n)`, in selection order, as `sample(range(start, start + n), k)`.
   * CPython picks its algorithm by memory: `setsize = 21`, plus `4 ** ceil(log(3k, 4))` when k > 5; when
   * n <= setsize it keeps a pool of the whole population (each draw `randbelow(n - i)`, the last unselected element
   * moved into the vacancy), otherwise it draws `randbelow(n)` and redraws indices already selected.
   */
  sampleRange(start: number, n: number, k: number): number[] {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`sampleRange needs safe integers and n >= 0, got start=${start}, n=${n}`);
    }
    if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`Sample larger than population or is negative`);
    const result: number[] = new Array(k);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setsize) {
      const pool = Array.from({ length: n }, (_, i) => start + i);
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j];
        pool[j] = pool[n - i - 1];
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = start + j;
      }
    }
    return result;
  }

  /** k random bits as a number, for k <= 53 (the two-word case assembled without bigint). */
  private bitsAsNumber(k: number): number {
    if (k <= 32) return k === 0 ? 0 : this.nextUint32() >>> (32 - k);
    const low = this.nextUint32();
    const high = this.nextUint32() >>> (64 - k);
    return high * TWO_32 + low;
  }

  /** MT19937's `init_genrand(s)`: the linear-congruential fill of the state. */
  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.pos = N;
  }

  /** MT19937's `init_by_array(key)` (the 2002 reference), as CPython seeds from an int's 32-bit words. */
  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.pos = N;
  }

  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }
}
