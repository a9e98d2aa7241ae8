/**
 * The kitchen tasks' floor: a policy that holds still (RoboCasa's 12-D action all zeros: no hand motion, gripper
 * command 0, base and torso still, arm mode). `npm run bench:kitchen` runs it on every kitchen task that has no
 * reference policy, so a task's figure says what doing nothing scores (a task whose start already satisfies its
 * predicate would show up here).
 */
import type { CreatePolicy } from "../../src/policy/authoring.js"; // type-only: erased when bundled

const ACTION_LENGTH = 12; // RoboCasa's PandaOmron action (src/env/kitchen/kitchen-env.ts)

const createPolicy: CreatePolicy<unknown, number[]> = () => ({
  act() {
    return new Array<number>(ACTION_LENGTH).fill(0);
  },
});
export default createPolicy;
