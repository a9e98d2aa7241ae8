/**
 * The kitchens' words for the built-in segmenter: which geoms of a kitchen model a word names, and so (as
 * ../../mujoco/tools/vocabulary.ts does for the arm stations) which colours to look for in a frame. Fixture geoms are
 * unnamed, so a word is known by the body its geoms hang on (the fixture generator's names: `stove0_knob_<b>_body`,
 * `drawer0`, `cab0_door_l_body`, `sink0_handle_body` …); a handle is the part of a door or drawer front coloured
 * unlike the front itself; an everyday object is named by its catalogue category (fixtures/objects.ts), matched by
 * colour. Only colours leave this file: no pose, no segmentation id.
 */

import type { MjScene } from "../../mujoco/scene.js";
import { type HsvRange, hsvRange, type ResolvedQuery } from "../../mujoco/tools/vocabulary.js";
import { OBJECT_CATALOGUE } from "../fixtures/objects.js";

/** A nameable kind of thing in a kitchen: its words (the first canonical) and which geoms it covers. */
interface KitchenTerm {
  words: readonly string[];
  /** Whether geom `g` (on body `body`) is one of this thing's. */
  covers(body: string, g: number, info: GeomFacts): boolean;
}

/** What the terms read of a geom: its colour, and whether it is its body's largest (a door's or drawer's front). */
interface GeomFacts {
  rgb: [number, number, number];
  largestOfBody: boolean;
  frontColour: boolean; // same colour as its body's largest geom
}

const FRONT_BODY = /^(cab\d+_door_[lr]_body|drawer\d+)$/;

/** The kitchen's words. */
const KITCHEN_TERMS: readonly KitchenTerm[] = [
  {
    words: ["knob", "stove knob", "burner knob", "knobs"],
    covers: (b, _g, f) => /_knob_.*_body$/.test(b) && f.largestOfBody,
  },
  {
    words: ["knob marker", "knob indicator", "indicator", "knob line"],
    covers: (b, _g, f) => /_knob_.*_body$/.test(b) && !f.largestOfBody,
  },
  {
    words: ["handle", "door handle", "drawer handle", "handles", "pull"],
    covers: (b, _g, f) => FRONT_BODY.test(b) && !f.frontColour,
  },
  { words: ["drawer", "drawer front"], covers: (b, _g, f) => /^drawer\d+$/.test(b) && f.frontColour },
  {
    words: ["door", "cabinet", "cabinet door", "wall cabinet", "doors"],
    covers: (b, _g, f) => /^cab\d+(_door_[lr]_body)?$/.test(b) && f.frontColour,
  },
  {
    words: ["counter", "countertop", "counter front", "wall"],
    covers: (b) => /^(counter\d+|corner|sink\d+(_counter)?|stove\d+)$/.test(b),
  },
  { words: ["faucet", "faucet handle", "tap", "lever"], covers: (b) => /^sink\d+_handle_body$/.test(b) },
  { words: ["mixer", "stand mixer", "mixer head"], covers: (b) => /^mixer\d+(_head_body)?$/.test(b) },
  { words: ["coffee machine", "coffee maker", "espresso machine"], covers: (b) => /^coffee\d+$/.test(b) },
  { words: ["mug", "coffee mug"], covers: (b) => /^mug\d+$/.test(b) },
  { words: ["tray", "container"], covers: (b) => /^tray\d+$/.test(b) },
  ...OBJECT_CATALOGUE.map(
    (entry): KitchenTerm => ({
      words: [entry.category, `${entry.category}s`],
      covers: (b, _g, f) => /^obj\d+$/.test(b) && sameColour(f.rgb, entry.rgba),
    }),
  ),
];

/** Every word the kitchen in `scene` knows (those whose geoms it has), canonical names first. */
export function kitchenWords(scene: MjScene): string[] {
  return kitchenTermsIn(scene).flatMap((t) => t.term.words);
}

/**
 * The colours a query means in this kitchen: an exact word, else the longest known word the query contains
 * ("the red knob on the left" → "knob"). Throws an Error listing the known words for an unknown query.
 */
export function resolveKitchenQuery(scene: MjScene, query: string): ResolvedQuery {
  const q = query.trim().toLowerCase().replace(/\s+/g, " ");
  const terms = kitchenTermsIn(scene);
  let best: { t: (typeof terms)[number]; len: number } | null = null;
  for (const t of terms) {
    for (const w of t.term.words) {
      const hit = q === w || new RegExp(`(^|[^a-z])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^a-z])`).test(q);
      const len = q === w ? 1e9 : w.length;
      if (hit && (!best || len > best.len)) best = { t, len };
    }
  }
  if (!best) {
    throw new Error(
      `the kitchen's segmenter does not know "${query}"; known: ${terms.map((t) => t.term.words.join(" / ")).join("; ")}`,
    );
  }
  const chosen = best.t;
  return {
    name: chosen.term.words[0],
    colours: chosen.colours,
    others: terms.filter((t) => t !== chosen).flatMap((t) => t.colours),
  };
}

/** The terms present in the kitchen, each with the distinct colours of its visible geoms. */
function kitchenTermsIn(scene: MjScene): { term: KitchenTerm; colours: HsvRange[] }[] {
  const m = scene.model;
  const rgba = m.geom_rgba as Float32Array;
  const bodyOf = m.geom_bodyid as Int32Array;
  const group = m.geom_group as Int32Array;
  const size = m.geom_size as Float64Array;
  const visible = (g: number) => rgba[4 * g + 3] > 0 && group[g] < 3;
  // each body's largest visible geom (by the product of its half-sizes, spheres and cylinders counted alike)
  const largest = new Map<number, { g: number; v: number }>();
  for (let g = 0; g < m.ngeom; g++) {
    if (!visible(g)) continue;
    const v = size[3 * g] * Math.max(size[3 * g + 1], 1e-3) * Math.max(size[3 * g + 2], 1e-3);
    const cur = largest.get(bodyOf[g]);
    if (!cur || v > cur.v) largest.set(bodyOf[g], { g, v });
  }
  const rgbOf = (g: number): [number, number, number] => [rgba[4 * g], rgba[4 * g + 1], rgba[4 * g + 2]];
  const out: { term: KitchenTerm; colours: HsvRange[] }[] = [];
  for (const term of KITCHEN_TERMS) {
    const seen = new Set<string>();
    const colours: HsvRange[] = [];
    for (let g = 0; g < m.ngeom; g++) {
      if (!visible(g)) continue;
      const big = largest.get(bodyOf[g]);
      const rgb = rgbOf(g);
      const facts: GeomFacts = {
        rgb,
        largestOfBody: big?.g === g,
        frontColour: big !== undefined && sameColour(rgb, rgbOf(big.g)),
      };
      if (!term.covers(scene.name("body", bodyOf[g]), g, facts)) continue;
      const key = rgb.map((v) => v.toFixed(3)).join(",");
      if (seen.has(key)) continue;
      seen.add(key);
      colours.push(hsvRange(rgb));
    }
    if (colours.length) out.push({ term, colours });
  }
  return out;
}

function sameColour(a: readonly number[], b: readonly number[]): boolean {
  return Math.abs(a[0] - b[0]) < 0.01 && Math.abs(a[1] - b[1]) < 0.01 && Math.abs(a[2] - b[2]) < 0.01;
}
