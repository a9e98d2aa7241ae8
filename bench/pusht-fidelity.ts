import { blockCoverage } from "../src/env/tasks/pusht/coverage.js";
import { PushTPhysics } from "../src/env/tasks/pusht/physics.js";
import { sampleResetState } from "../src/env/tasks/pusht/pusht.js";
import { angleError, loadPushTReference, type ReferenceRollout } from "../src/env/tasks/pusht/reference-data.js";

let rollouts: ReferenceRollout[];
try {
  rollouts = loadPushTReference(process.argv[2]).rollouts;
} catch (err) {
  process.stderr.write(`pusht-fidelity: ${(err as Error).message}\n`);
  process.exit(2);
}

const CONTACT_WINDOW = 5; // steps after first contact compared closely

interface Row {
  seed: number;
  firstContact: number; // index of the first observation in which the reference block has moved
  pre: [number, number]; // [px, rad] worst before first contact
  contact: [number, number]; // worst from first contact to +5
  end: [number, number]; // after the last action
  divergesAt: number | null; // first observation more than 1 px off, if any
  coverage: [number, number]; // final coverage [ours, reference]
  displacement: [number, number]; // total block path length [ours, reference] px
}

const rows: Row[] = rollouts.map((r) => {
  const physics = new PushTPhysics(sampleResetState(r.seed));
  const ours = [physics.state()];
  for (const [x, y] of r.actions) {
    physics.step(x, y);
    ours.push(physics.state());
  }
  const b = r.obs[0];
  const firstContact = r.obs.findIndex((o) => o[2] !== b[2] || o[3] !== b[3] || o[4] !== b[4]);
  const err = (i: number): [number, number] => [
    Math.hypot(ours[i][2] - r.obs[i][2], ours[i][3] - r.obs[i][3]),
    angleError(ours[i][4], r.obs[i][4]),
  ];
  const worst = (from: number, to: number): [number, number] => {
    const w: [number, number] = [0, 0];
    for (let i = from; i <= to && i < r.obs.length; i++) {
      const [p, a] = err(i);
      w[0] = Math.max(w[0], p);
      w[1] = Math.max(w[1], a);
    }
    return w;
  };
  const diverges = r.obs.findIndex((_, i) => err(i)[0] > 1);
  const pathLength = (states: number[][]) =>
    states.slice(1).reduce((sum, s, i) => sum + Math.hypot(s[2] - states[i][2], s[3] - states[i][3]), 0);
  const last = ours[ours.length - 1];
  return {
    seed: r.seed,
    firstContact,
    pre: firstContact > 0 ? worst(0, firstContact - 1) : [0, 0],
    contact: worst(firstContact, firstContact + CONTACT_WINDOW),
    end: err(r.obs.length - 1),
    divergesAt: diverges < 0 ? null : diverges,
    coverage: [blockCoverage(last[2], last[3], last[4]), r.reward_coverage_terminated.at(-1)![1]],
    displacement: [pathLength(ours), pathLength(r.obs)],
  };
});

const f = (v: number, d = 3) => v.toFixed(d).padStart(d + 5);
console.log(
  "seed  contact@  pre-contact px    contact..+5 px / rad     end px / rad        >1px@  coverage ours / ref",
);
for (const r of rows) {
  console.log(
    `${String(r.seed).padStart(4)}  ${String(r.firstContact).padStart(8)}  ${r.pre[0].toExponential(1).padStart(14)}` +
      `  ${f(r.contact[0])} / ${r.contact[1].toFixed(5)}  ${f(r.end[0], 2)} / ${r.end[1].toFixed(3)}` +
      `  ${String(r.divergesAt ?? "-").padStart(8)}  ${r.coverage[0].toFixed(3)} / ${r.coverage[1].toFixed(3)}`,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const summary = {
  rollouts: rows.length,
  preContactMaxPx: Math.max(...rows.map((r) => r.pre[0])),
  contactWindowMedianPx: median(rows.map((r) => r.contact[0])),
  contactWindowMaxPx: Math.max(...rows.map((r) => r.contact[0])),
  contactWindowMaxRad: Math.max(...rows.map((r) => r.contact[1])),
  endMedianPx: median(rows.map((r) => r.end[0])),
  endWithin1Px: rows.filter((r) => r.end[0] < 1).length,
  neverOver1Px: rows.filter((r) => r.divergesAt === null).length,
  displacementRatio: sum(rows.map((r) => r.displacement[0])) / sum(rows.map((r) => r.displacement[1])),
  finalCoverageMeanAbsDiff: sum(rows.map((r) => Math.abs(r.coverage[0] - r.coverage[1]))) / rows.length,
};
console.log(
  `\nbefore first contact: worst ${summary.preContactMaxPx.toExponential(1)} px` +
    `\nfirst contact .. +${CONTACT_WINDOW}: median ${summary.contactWindowMedianPx.toFixed(4)} px, worst ` +
    `${summary.contactWindowMaxPx.toFixed(4)} px / ${summary.contactWindowMaxRad.toFixed(5)} rad` +
    `\nend (step 80): median ${summary.endMedianPx.toFixed(2)} px, ${summary.endWithin1Px}/${rows.length} within 1 px; ` +
    `${summary.neverOver1Px}/${rows.length} never more than 1 px off` +
    `\ntotal block path: ours ${summary.displacementRatio.toFixed(3)}× the reference's; final coverage differs by ` +
    `${summary.finalCoverageMeanAbsDiff.toFixed(4)} on average`,
);
console.log(JSON.stringify(summary));
