import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import { HAND_TUNED } from "../../../examples/policies/pusht-heuristic.js";
import { InvalidInputError } from "../../core/errors.js";
import { BASELINE, decode, describeChange, encode, KNOBS, type PushTParams, TUNED } from "./param-space.js";

const TEMPLATE_PARAMS = new URL("../../../templates/pusht/params.json", import.meta.url);

test("params.json of the template holds the baseline, knob for knob and in the table's order", () => {
  const file = JSON.parse(fs.readFileSync(TEMPLATE_PARAMS, "utf8")) as Record<string, number>;
  assert.deepEqual(file, BASELINE);
  assert.deepEqual(
    Object.keys(file),
    KNOBS.map((k) => k.name),
  );
});

test("the tuned values are the example heuristic's constants", () => {
  assert.deepEqual(TUNED, HAND_TUNED);
});

test("the baseline and the tuned values sit inside every range, the tuned ones well away from the bounds", () => {
  for (const [i, u] of encode(TUNED).entries()) assert.ok(u > 0.25 && u < 0.8, `${KNOBS[i].name}: u = ${u}`);
  for (const [i, u] of encode(BASELINE).entries()) assert.ok(u > 0 && u < 1, `${KNOBS[i].name}: u = ${u}`);
});

test("decode(encode(x)) gives x back for the values an agent writes", () => {
  assert.deepEqual(decode(encode(BASELINE)), BASELINE);
  assert.deepEqual(decode(encode(TUNED)), TUNED);
});

test("decode clamps to the ranges and rounds: whole numbers for integer knobs, 3 significant digits otherwise", () => {
  const low = decode(KNOBS.map(() => -0.5));
  const high = decode(KNOBS.map(() => 1.5));
  for (const k of KNOBS) {
    assert.equal(low[k.name], k.min, k.name);
    assert.equal(high[k.name], k.max, k.name);
  }
  const mid = decode(KNOBS.map((_, i) => 0.123 + 0.1 * i));
  for (const k of KNOBS) {
    const v = mid[k.name];
    if (k.integer) assert.ok(Number.isInteger(v), `${k.name} = ${v}`);
    else assert.equal(v, Number(v.toPrecision(3)), `${k.name} = ${v}`);
    assert.ok(v >= k.min && v <= k.max, `${k.name} = ${v}`);
  }
  // log scale: the middle of the range is the geometric mean of its ends
  const strokeSpeed = KNOBS.find((k) => k.name === "strokeSpeed")!;
  assert.equal(decode(KNOBS.map(() => 0.5)).strokeSpeed, Math.round(Math.sqrt(strokeSpeed.min * strokeSpeed.max)));
});

test("a params object missing a knob, or a point of the wrong size, is refused by name", () => {
  const { maxDepth: _, ...missing } = BASELINE;
  assert.throws(
    () => encode(missing),
    (e: unknown) => e instanceof InvalidInputError && /maxDepth/.test(e.message),
  );
  assert.throws(() => decode([0.5, 0.5]), /2 coordinates; the space has 7/);
  assert.throws(() => decode(KNOBS.map(() => Number.NaN)), /strokeSpeed/);
});

test("describeChange lists every changed knob, biggest normalised move first, with units", () => {
  const child: PushTParams = { ...BASELINE, strokeSpeed: 120, maxDepth: 40, driftTolerance: 0.55 };
  const { summary, hypothesis } = describeChange(BASELINE, child);
  assert.equal(summary, "maxDepth 4 → 40 px; strokeSpeed 40 → 120 px/s; driftTolerance 0.5 → 0.55 px");
  // The hypothesis names the two big moves with what each is expected to do, not the tiny one, and says how to
  // tell whether it held.
  assert.match(hypothesis, /^Deeper strokes move the block further per push.*\(maxDepth 4 → 40 px\)/);
  assert.match(hypothesis, /faster strokes take fewer actions per push.*\(strokeSpeed 40 → 120 px\/s\)/);
  assert.doesNotMatch(hypothesis, /drift tolerance/);
  assert.match(hypothesis, /1 smaller change; if so, success on the training seeds rises above the parent's\.$/);
});

test("describeChange words a decrease as a decrease, and says when nothing changed", () => {
  const { hypothesis } = describeChange(TUNED, { ...TUNED, travelSpeed: 300 });
  assert.match(
    hypothesis,
    /^Slower travel arrives at each stroke's start more steadily \(travelSpeed 1500 → 300 px\/s\)/,
  );
  assert.equal(describeChange(TUNED, { ...TUNED }).summary, "no change");
});
