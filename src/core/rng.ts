/**
 * numpy's legacy `np.random.RandomState(seed)`, reproduced draw for draw: an MT19937 seeded as numpy seeds it from
 * an integer, `randint` as legacy masked rejection sampling, `randn` as the polar Box-Muller with its cached second
 * value, and `random_sample` as a 53-bit double. Tasks whose reference implementation resets from a RandomState
 * (Push-T) draw their initial states from this, so a seed means the same initial state here as there.
 *
 * @example
 * const rs = new RandomState(0);
 * rs.randint(50, 450); // 222, as np.random.RandomState(0).randint(50, 450)
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * The MT19937 generator both numpy's legacy RandomState and CPython's `random.Random` run, with the two seedings
 * of the reference implementation: `init_genrand(s)` (numpy, an integer seed) and `init_by_array(key)` (CPython, the
 * seed's 32-bit words). kitchen/py-random.ts builds Python's `random.Random` on it.
 */
export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  private constructor() {}

  /** Seeded with `init_genrand(seed)`, seed in 0..2^32-1. */
  static fromSeed(seed: number): Mt19937 {
    const g = new Mt19937();
    g.initGenrand(seed);
    return g;
  }

  /** Seeded with `init_by_array(key)`, key a non-empty list of 32-bit words. */
  static fromKey(key: readonly number[]): Mt19937 {
    if (key.length === 0) throw new RangeError("init_by_array needs at least one key word");
    const g = new Mt19937();
    g.initGenrand(19650218);
    const mt = g.mt;
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
    return g;
  }

  /** The next raw 32-bit output, 0..2^32-1. */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double uniform in [0, 1) with 53 random bits (numpy's `random_sample`, CPython's `random`). */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to float64
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
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

export class RandomState {
  private readonly mt: Mt19937;
  private hasGauss = false;
  private gauss = 0;

  /** Seeds as `RandomState(seed)` does for an integer seed in 0..2^32-1. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in 0..2^32-1 (as numpy's RandomState requires), got ${seed}`);
    }
    this.mt = Mt19937.fromSeed(seed);
  }

  /** The next raw 32-bit output of the generator, 0..2^32-1. */
  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** A double uniform in [0, 1) with 53 random bits, as `random_sample()`. */
  randomSample(): number {
    return this.mt.nextDouble();
  }

  /** Alias of {@link randomSample} under numpy's name. */
  random_sample(): number {
    return this.randomSample();
  }

  /**
   * An integer uniform in [low, high), as legacy `randint(low, high)` with the default int64 dtype: the range is
   * drawn from 32-bit outputs masked to the smallest covering power of two, rejecting values above the range.
   */
  randint(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
      throw new RangeError(`randint bounds must be safe integers, got low=${low}, high=${high}`);
    }
    if (high <= low) throw new RangeError(`randint needs low < high, got low=${low}, high=${high}`);
    const rng = high - 1 - low;
    if (rng === 0) return low;
    if (rng > 0xffffffff) {
      throw new RangeError(`randint ranges wider than 2^32 are not supported here, got ${rng + 1}`);
    }
    if (rng === 0xffffffff) return low + this.nextUint32();
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > rng);
    return low + value;
  }

  /** A standard normal draw, as legacy `randn()`: polar Box-Muller, the second value of each pair cached. */
  randn(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const cached = this.gauss;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }
}
