import assert from "node:assert/strict";
import { test } from "node:test";
import { allocate, decide, leaderboard } from "./compare.js";

test("Fisher's exact test gives the textbook p-value (the lady tasting tea, 3 of 4 right)", () => {
  // P(X >= 3) = (C(4,3) C(4,1) + C(4,4) C(4,0)) / C(8,4) = 17 / 70
  const r = decide({ id: "guess", successes: 1, trials: 4 }, { id: "lady", successes: 3, trials: 4 });
  assert.ok(Math.abs(r.pBetter - 17 / 70) < 1e-12, `p = ${r.pBetter}`);
  assert.equal(r.decision, "undecided", "4 cups decide nothing at 0.05");
});

test("keep a change that is clearly better, revert one that is clearly worse, wait on a coin flip", () => {
  const base = { id: "main", successes: 30, trials: 50 };
  assert.equal(decide(base, { id: "idea/a", successes: 45, trials: 50 }).decision, "keep");
  assert.equal(decide(base, { id: "idea/b", successes: 15, trials: 50 }).decision, "revert");
  const close = decide(base, { id: "idea/c", successes: 33, trials: 50 });
  assert.equal(close.decision, "undecided");
  assert.match(close.reason, /idea\/c 33\/50 = 66\.0% vs main 30\/50 = 60\.0%: no significant difference/);
  // a single lucky trial is not evidence
  assert.equal(decide(base, { id: "idea/lucky", successes: 1, trials: 1 }).decision, "undecided");
});

test("the leaderboard ranks by the lower bound and prunes arms whose upper bound is below the best's lower", () => {
  const rows = leaderboard([
    { id: "lucky", successes: 2, trials: 2 }, // 100% but a wide interval
    { id: "solid", successes: 46, trials: 50 },
    { id: "weak", successes: 10, trials: 50 },
    { id: "new", successes: 0, trials: 0 },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.id, r.rank, r.best, r.pruned]),
    [
      ["solid", 1, true, false],
      ["lucky", 2, false, false],
      ["weak", 3, false, true],
      ["new", 4, false, false],
    ],
  );
  assert.throws(() => leaderboard([{ id: "x", successes: 3, trials: 2 }]), /3 successes in 2 trials/);
});

test("allocation spends slots on the arms that decide the most, none on pruned ones", () => {
  const arms = [
    { id: "leader", successes: 40, trials: 50 },
    { id: "challenger", successes: 7, trials: 10 },
    { id: "pruned", successes: 5, trials: 50 },
    { id: "fresh", successes: 0, trials: 0 },
  ];
  const a = allocate(arms, 12);
  assert.equal(
    Object.values(a).reduce((x, y) => x + y, 0),
    12,
  );
  assert.equal(a.pruned, 0);
  assert.ok(a.fresh >= 1, "an untried arm is tried");
  assert.ok(a.challenger > a.leader, `the uncertain challenger gets more: ${JSON.stringify(a)}`);
  assert.deepEqual(allocate(arms, 0), { leader: 0, challenger: 0, pruned: 0, fresh: 0 });
});
