/**
 * How a thread station turns an error from its worker into what the fleet acts on: a failed reset takes the station
 * out of service (the reset already retried; a person must look), a policy's error stays the policy's, and anything
 * else is a fault the fleet may retry on the same station.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PolicyError, ResetFailedError } from "../../core/errors.js";
import { StationFaultError } from "../station.js";
import { jobError } from "./thread-station.js";

test("a failed reset faults the station for good; other worker errors are retryable faults or the policy's", () => {
  const reset = new ResetFailedError("the pin is out of reach after 3 attempts");
  const fault = jobError("sim-0", { name: reset.name, message: reset.message });
  assert.ok(fault instanceof StationFaultError);
  assert.equal(fault.fatal, true);
  assert.match(fault.message, /station sim-0: reset failed: the pin is out of reach after 3 attempts/);

  const crash = jobError("sim-0", { name: "RangeError", message: "bad index" });
  assert.ok(crash instanceof StationFaultError);
  assert.equal(crash.fatal, false);

  const policy = jobError("sim-0", { name: "PolicyError", message: "act threw", kind: "threw" });
  assert.ok(policy instanceof PolicyError);
  assert.equal(policy.kind, "threw");
});
