import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { HAND_TUNED } from "../../../examples/policies/pusht-heuristic.js";
import { InvalidInputError } from "../../core/errors.js";
import { BASELINE, type Knob, loadParamSpace, ParamSpace, type Params, parseKnobs } from "./param-space.js";

const PUSHT_DIR = fileURLToPath(new URL("../../../templates/pusht/", import.meta.url));
const TEMPLATE_PARAMS = path.join(PUSHT_DIR, "params.json");
/** Push-T's space, as the built-in agent reads it from the template. */
const PUSHT = loadParamSpace(PUSHT_DIR);
const KNOBS = PUSHT.knobs;
const encode = (p: object) => PUSHT.encode(p);
const decode = (u: readonly number[]) => PUSHT.decode(u);
const describeChange = (a: Params, b: Params) => PUSHT.describeChange(a, b);
/** The hand-tuned values of examples/policies/pusht-heuristic.ts (100% on seeds 0..199 and 100000..100049). */
const TUNED: Params = { ...HAND_TUNED };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-knobs-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("params.json of the template holds the baseline, knob for knob and in the table's order", () => {
  const file = JSON.parse(fs.readFileSync(TEMPLATE_PARAMS, "utf8")) as Record<string, number>;
  assert.deepEqual(file, BASELINE);
  assert.deepEqual(
    Object.keys(file),
    KNOBS.map((k) => k.name),
  );
});

test("Push-T's knobs come from the template in the order, units and ranges the search has always used", () => {
  assert.deepEqual(
    KNOBS.map((k) => `${k.name} ${k.unit} ${k.min}..${k.max} ${k.scale}${k.integer ? " int" : ""}`),
    [
      "strokeSpeed px/s 20..3000 log int",
      "standoff px 2..30 log",
      "maxDepth px 2..400 log",
      "costFloor px² 0.01..100 log",
      "waypointOffset px 15..60 log",
      "travelSpeed px/s 50..5000 log int",
      "driftTolerance px 0.05..20 log",
    ],
  );
  // the baseline the search starts from is the weak one (about 20% on seeds 0..49), not the tuned one
  assert.deepEqual(BASELINE, {
    strokeSpeed: 40,
    standoff: 3,
    maxDepth: 4,
    costFloor: 1,
    waypointOffset: 17,
    travelSpeed: 120,
    driftTolerance: 0.5,
  });
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
  const child: Params = { ...BASELINE, strokeSpeed: 120, maxDepth: 40, driftTolerance: 0.55 };
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

/** A knobs.json in a fresh folder, with params.json beside it. */
function template(name: string, knobs: unknown, params: Record<string, unknown> = {}): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "knobs.json"), JSON.stringify(knobs));
  fs.writeFileSync(path.join(dir, "params.json"), JSON.stringify(params));
  return dir;
}

const knob = (over: Partial<Knob> = {}): Knob => ({
  name: "pressForce",
  unit: "N",
  min: 0.5,
  max: 4,
  scale: "linear",
  integer: false,
  meaning: "force to press with",
  up: "pressing harder",
  down: "pressing softer",
  ...over,
});

test("any template's knobs.json gives its own space: linear knobs map evenly, names and units in its words", () => {
  const space = loadParamSpace(
    template("two", { knobs: [knob(), knob({ name: "turns", unit: "1", min: 1, max: 9, integer: true })] }),
  );
  assert.equal(space.names(), "pressForce, turns");
  assert.deepEqual(space.encode({ pressForce: 2.25, turns: 5 }), [0.5, 0.5]);
  assert.deepEqual(space.decode([0.25, 0.26]), { pressForce: 1.38, turns: 3 });
  assert.equal(
    space.describeChange({ pressForce: 1, turns: 3 }, { pressForce: 3, turns: 3 }).hypothesis,
    "Pressing harder (pressForce 1 → 3 N); if so, success on the training seeds rises above the parent's.",
  );
});

test("a damaged knobs.json is refused naming the file and the field; a missing one says where knobs belong", () => {
  const refused = (name: string, knobs: unknown, pattern: RegExp) =>
    assert.throws(
      () => loadParamSpace(template(name, knobs)),
      (e: unknown) => e instanceof InvalidInputError && pattern.test(e.message) && e.message.includes(name),
    );
  refused("inverted", { knobs: [knob({ min: 4, max: 1 })] }, /knobs\.0.*min must be below max/);
  refused("log-zero", { knobs: [knob({ min: 0, scale: "log" })] }, /log-scale knob needs min > 0/);
  refused("twice", { knobs: [knob(), knob()] }, /unique/);
  refused("typo", { knobs: [{ ...knob(), mening: "x" }] }, /knobs\.0.*mening/);
  refused("empty", { knobs: [] }, /knobs/);
  refused("no-unit", { knobs: [knob({ unit: "" })] }, /knobs\.0\.unit/);
  const bare = path.join(tmp, "bare");
  fs.mkdirSync(bare);
  assert.throws(() => loadParamSpace(bare), /has no knobs\.json.*templates\/pusht\/knobs\.json/);
  assert.throws(() => new ParamSpace([knob({ integer: true })]), /whole-number bounds/);
  assert.deepEqual(parseKnobs({ about: "note", knobs: [knob()] }), [knob()]);
});
