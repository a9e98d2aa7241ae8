import assert from "node:assert/strict";
import { test } from "node:test";
import { PyRandom } from "./py-random.js";

// Golden values printed by CPython 3.11.7, e.g.
// python3 -c "import random; r=random.Random(42); print([r.getrandbits(32) for _ in range(3)], r.random())".
// CPython's random.Random stream is stable across versions for int seeds.

test("an int seed gives CPython's stream: raw words, random(), seeds 0, > 2^32 and negative", () => {
  const r = new PyRandom(42);
  assert.deepEqual([r.nextUint32(), r.nextUint32(), r.nextUint32()], [2746317213, 478163327, 107420369]);
  assert.equal(r.random(), 0.7415504997598329);
  assert.equal(new PyRandom(0).nextUint32(), 3626764237);
  const big = new PyRandom(2 ** 40 + 12345); // two 32-bit key words
  assert.equal(big.getrandbits(32), 1332995613n);
  assert.equal(big.getrandbits(70), 2119403423901865339n); // three words, the top one cut to 6 bits
  assert.equal(new PyRandom(2n ** 64n).random(), 0.9776462743838505); // a three-word key given as a bigint
  assert.equal(new PyRandom(-7).nextUint32(), new PyRandom(7).nextUint32()); // CPython seeds from |n|
});

test("sample, randint, randrange, shuffle and choice match CPython draw for draw", () => {
  const r = new PyRandom(123);
  assert.deepEqual(r.sampleRange(0, 10, 10), [0, 4, 1, 6, 3, 2, 9, 5, 7, 8]);
  assert.deepEqual(r.sampleRange(0, 1000, 8), [348, 872, 53, 163, 138, 345, 574, 341]);
  assert.equal(r.randint(1, 6), 6);
  assert.equal(r.randrange(0, 2 ** 31), 1052968588);
  const s = new PyRandom(11);
  const x = Array.from({ length: 10 }, (_, i) => i);
  s.shuffle(x);
  assert.deepEqual(x, [2, 6, 0, 1, 5, 4, 3, 9, 8, 7]);
  assert.equal(s.choice([1, 2, 3, 4, 5]), 5);
});

test("sample switches from the pool to the set algorithm exactly at CPython's setsize", () => {
  // k = 40: setsize = 21 + 4^ceil(log4(120)) = 277, so n = 277 pools and n = 278 uses the set of drawn indices.
  const r = new PyRandom(9);
  assert.deepEqual(
    r.sampleRange(0, 277, 40),
    [
      237, 191, 136, 70, 95, 3, 173, 257, 276, 41, 171, 20, 194, 86, 231, 216, 80, 263, 121, 26, 56, 67, 129, 223, 236,
      151, 16, 198, 176, 98, 202, 275, 227, 269, 235, 74, 52, 172, 57, 185,
    ],
  );
  assert.deepEqual(
    r.sampleRange(0, 278, 40),
    [
      215, 44, 136, 107, 203, 143, 174, 22, 102, 2, 210, 28, 193, 251, 71, 12, 121, 217, 57, 1, 62, 101, 103, 169, 4,
      42, 68, 276, 8, 256, 43, 254, 275, 35, 98, 47, 74, 88, 21, 27,
    ],
  );
  // k <= 5: setsize = 21; k = 6: 21 + 64 = 85.
  const t = new PyRandom(3);
  assert.deepEqual(t.sampleRange(0, 21, 5), [7, 18, 17, 4, 11]);
  assert.deepEqual(t.sampleRange(0, 22, 5), [19, 15, 20, 18, 2]);
  assert.deepEqual(t.sampleRange(0, 30, 6), [19, 0, 26, 15, 8, 17]);
  const u = new PyRandom(5);
  const drawn = u.sampleRange(100, 300, 60);
  assert.deepEqual(drawn.slice(0, 6), [230, 283, 371, 114, 338, 227]);
  assert.equal(drawn[59], 129);
  assert.equal(new Set(drawn).size, 60);
});

test("bad arguments are refused with the rule they broke", () => {
  const r = new PyRandom(1);
  assert.throws(() => r.sampleRange(0, 5, 6), /larger than population/);
  assert.throws(() => r.randbelow(0), /n > 0/);
  assert.throws(() => r.randrange(3, 3), /start < stop/);
  assert.throws(() => new PyRandom(0.5), /safe integer/);
  assert.deepEqual(r.sampleRange(0, 5, 0), []);
});
