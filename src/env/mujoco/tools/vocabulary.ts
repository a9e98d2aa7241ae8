/**
 * The built-in segmenter's vocabulary: which words name which object of a task, and what colour that object has in
 * a rendered frame. The words are kept here, per task id; the colours are read from the station's MJCF (the model's
 * geom_rgba of the named geoms), so a task that recolours an object needs no change here. A colour becomes an HSV
 * range: the renderer shades a colour by a factor of ambient 0.4 + Lambert 0.6 (render/README.md), which leaves hue
 * and saturation as they are and scales the value, so the value range is [0.4·V, V] widened by a margin.
 */
import type { MjScene } from "../scene.js";

export const VOCABULARY_TOLERANCES = Object.freeze({
  hueDeg: 14, // ± degrees of hue around the object's colour
  saturation: 0.13, // ± saturation around the object's colour
  achromaticBelow: 0.15, // a colour less saturated than this is grey/black/white: its hue is not compared
  shadeLow: 0.36, // lowest shading factor of a lit face (ambient 0.4 less a margin)
  shadeHigh: 1.0, // highest shading factor (a face facing the light)
  valueMargin: 0.03, // added below and above the value range (0..1)
});

/** One nameable object: its words and the geoms (by name) whose colours it has. */
interface Term {
  words: readonly string[]; // lower case; the first is the canonical name
  geoms: RegExp; // geom names in the station's model
}

const PIN_TERMS: readonly Term[] = [
  { words: ["pin", "nail", "small black nail", "dark nail", "black nail", "peg"], geoms: /^pin_(shaft|head)$/ },
  { words: ["pin box", "box", "hole", "holes", "pin holder"], geoms: /^(box_|hole\d+_wall)/ },
];

/** Words per task id. A task without an entry has an empty vocabulary (an HTTP detector still works there). */
export const TASK_VOCABULARY: Readonly<Record<string, readonly Term[]>> = Object.freeze({
  "pin-insertion": PIN_TERMS,
  "pin-insertion-easy": PIN_TERMS,
  "pin-insertion-expert": PIN_TERMS,
  "gpu-insertion": [
    { words: ["card", "gpu", "gpu card", "graphics card", "board"], geoms: /^card_board$/ },
    { words: ["card edge", "gold edge", "edge connector", "gold fingers"], geoms: /^card_edge/ },
    { words: ["bracket", "card bracket"], geoms: /^card_bracket/ },
    { words: ["slot", "socket", "pcie slot"], geoms: /^slot_/ },
    { words: ["motherboard"], geoms: /^motherboard$/ },
  ],
  "pusht-arm": [
    { words: ["t block", "t", "red t", "t-shaped block", "block"], geoms: /^t_(bar|stem)$/ },
    { words: ["goal", "goal marker", "green t", "target"], geoms: /^goal_/ },
  ],
  "zip-tie-cut": [
    { words: ["strap", "zip tie", "zip-tie", "zip-tie strap", "zip tie strap", "tail"], geoms: /^strap_\d+_geom$/ },
    { words: ["head", "zip tie head", "zip-tie head"], geoms: /^zip_head$/ },
    { words: ["post", "bracket", "zip bracket"], geoms: /^zip_(post|bracket)$/ },
    { words: ["scissors", "cutter", "blades", "blade"], geoms: /^(scissors|blade|cutter)/ },
  ],
  "zip-tie-tie": [
    { words: ["strap", "zip tie", "zip-tie", "zip-tie strap", "zip tie strap", "tail"], geoms: /^tie_strap_\d+_geom$/ },
    { words: ["head", "zip tie head", "zip-tie head"], geoms: /^tie_(wall_|neck)/ },
  ],
});

/** A colour class in HSV: hue in degrees (ignored when achromatic), saturation and value 0..1. */
export interface HsvRange {
  hue: number;
  achromatic: boolean;
  sat: number; // the material's saturation
  val: number; // the material's value (a face lit head-on shows it)
  satLow: number;
  satHigh: number;
  valLow: number;
  valHigh: number;
}

/** What a query resolved to: the canonical name, the colour ranges of its geoms and those of the task's other words. */
export interface ResolvedQuery {
  name: string;
  colours: HsvRange[];
  others: HsvRange[]; // a pixel closer to one of these belongs to another object
}

/** The words a task's built-in segmenter knows (those whose geoms exist in `scene`), canonical names first. */
export function knownWords(taskId: string, scene: MjScene): string[] {
  return termsIn(taskId, scene).flatMap((t) => t.term.words);
}

/**
 * The colour ranges a query means on a task's station: an exact word, else the longest known word the query
 * contains ("small black nail" → "nail"). Throws an Error listing the known words for an unknown query.
 */
export function resolveQuery(taskId: string, scene: MjScene, query: string): ResolvedQuery {
  const q = query.trim().toLowerCase().replace(/\s+/g, " ");
  const terms = termsIn(taskId, scene);
  let best: { t: (typeof terms)[number]; len: number } | null = null;
  for (const t of terms) {
    for (const w of t.term.words) {
      const hit = q === w || new RegExp(`(^|[^a-z])${escapeRe(w)}($|[^a-z])`).test(q);
      if (hit && (!best || w.length > best.len || q === w)) best = { t, len: q === w ? 1e9 : w.length };
    }
  }
  if (!best) {
    const known = terms.map((t) => t.term.words.join(" / "));
    throw new Error(
      `the built-in segmenter does not know "${query}" on ${taskId}; known: ${known.length ? known.join("; ") : "nothing (use an HTTP detector)"}`,
    );
  }
  const chosen = best.t;
  return {
    name: chosen.term.words[0],
    colours: chosen.colours,
    others: terms.filter((t) => t !== chosen).flatMap((t) => t.colours),
  };
}

/** The task's terms whose geoms exist in the model, each with its distinct colours. */
function termsIn(taskId: string, scene: MjScene): { term: Term; colours: HsvRange[] }[] {
  const terms = TASK_VOCABULARY[taskId] ?? [];
  const m = scene.model;
  const rgba = m.geom_rgba as Float32Array;
  const out: { term: Term; colours: HsvRange[] }[] = [];
  for (const term of terms) {
    const seen = new Set<string>();
    const colours: HsvRange[] = [];
    for (let g = 0; g < m.ngeom; g++) {
      if (!term.geoms.test(scene.name("geom", g))) continue;
      const c = [rgba[4 * g], rgba[4 * g + 1], rgba[4 * g + 2]] as const;
      const key = c.map((v) => v.toFixed(3)).join(",");
      if (rgba[4 * g + 3] === 0 || seen.has(key)) continue;
      seen.add(key);
      colours.push(hsvRange(c));
    }
    if (colours.length) out.push({ term, colours });
  }
  return out;
}

/** The HSV range a material colour (0..1 RGB) covers once shaded. */
export function hsvRange(rgb: readonly [number, number, number]): HsvRange {
  const T = VOCABULARY_TOLERANCES;
  const [h, s, v] = rgbToHsv(rgb[0], rgb[1], rgb[2]);
  const achromatic = s < T.achromaticBelow;
  return {
    hue: h,
    achromatic,
    sat: s,
    val: v,
    satLow: achromatic ? 0 : Math.max(0, s - T.saturation),
    satHigh: Math.min(1, s + T.saturation),
    valLow: Math.max(0, v * T.shadeLow - T.valueMargin),
    valHigh: Math.min(1, v * T.shadeHigh + T.valueMargin),
  };
}

/**
 * How far a pixel's HSV is from a colour class: 0 at the material's own colour lit head-on, 1 at the edge of its
 * range, above 1 outside (the largest of the hue, saturation and value terms; the value term runs from the
 * material's value down to the darkest shade and up to the top of the range).
 */
export function hsvDistance(hsv: readonly [number, number, number], r: HsvRange): number {
  const T = VOCABULARY_TOLERANCES;
  const [h, s, v] = hsv;
  let d = 0;
  if (!r.achromatic) {
    const dh = Math.abs(((h - r.hue + 540) % 360) - 180);
    d = Math.max(d, dh / T.hueDeg);
  }
  d = Math.max(
    d,
    s >= r.sat ? (s - r.sat) / Math.max(1e-6, r.satHigh - r.sat) : (r.sat - s) / Math.max(1e-6, r.sat - r.satLow),
  );
  d = Math.max(
    d,
    v >= r.val ? (v - r.val) / Math.max(1e-6, r.valHigh - r.val) : (r.val - v) / Math.max(1e-6, r.val - r.valLow),
  );
  return d;
}

/** RGB 0..1 → [hue deg 0..360, saturation 0..1, value 0..1]. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const c = max - min;
  let h = 0;
  if (c > 0) {
    if (max === r) h = 60 * (((g - b) / c + 6) % 6);
    else if (max === g) h = 60 * ((b - r) / c + 2);
    else h = 60 * ((r - g) / c + 4);
  }
  return [h, max > 0 ? c / max : 0, max];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
