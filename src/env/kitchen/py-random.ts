/**
 * CPython's `random.Random`, reproduced draw for draw: the Mersenne Twister MT19937 seeded from an integer as
 * `random.seed(int)` does (the absolute value split into 32-bit words, least significant first, fed to
 * `init_by_array`), `getrandbits(k)`, `_randbelow(n)` by rejection on `getrandbits(n.bit_length())`, `random()`,
 * `randrange`, `randint`, `choice`, `shuffle` and `sample` with both of its algorithms (a pool of the population when
 * it is small relative to k, otherwise a set of the indices already drawn, chosen by CPython's `setsize` rule).
 * The kitchen evaluation list (eval-list.ts) is drawn from it, so a list generated in Python with
 * `random.Random(42)` is the same list here.
 *
 * The generator itself is core/rng.ts' Mt19937, which numpy's RandomState also runs, seeded differently
 * (`init_genrand(seed)`), so their streams differ for the same integer.
 *
 * @example
 * const r = new PyRandom(42);
 * r.sampleRange(0, 2 ** 31, 2); // [478163327, 107420369], as random.Random(42).sample(range(0, 2**31), 2)
 */
import { Mt19937 } from "../../core/rng.js";

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
  private readonly mt: Mt19937;

  /** Seeds as `random.Random(seed)` does for an int seed (any size; the sign is dropped, as CPython drops it). */
  constructor(seed: number | bigint) {
    if (typeof seed === "number" && !Number.isSafeInteger(seed)) {
      throw new RangeError(`seed must be a safe integer or a bigint, got ${seed}`);
    }
    this.mt = Mt19937.fromKey(seedWords(seed));
  }

  /** The next raw 32-bit output, 0..2^32-1 (CPython's `genrand_uint32`). */
  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** A double uniform in [0, 1) with 53 random bits, as `random()`. */
  random(): number {
    return this.mt.nextDouble();
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
}
