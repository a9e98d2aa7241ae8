/**
 * EStopSignal: an emergency-stop request that crosses threads through shared memory (a thread station's e-stop).
 */

/**
 * An emergency-stop request that crosses threads: the thread that asks (a ThreadStation, on the fleet's thread)
 * writes a reason into shared memory, and the thread running the trial reads it between steps, which never yield to
 * its event loop. Laid out as Int32 [flag, reason byte length] then the reason's UTF-8 bytes (at most 500).
 * @example
 * const signal = new EStopSignal();           // pass signal.buffer to the worker: new EStopSignal(buffer) there
 * signal.trigger("operator pressed e-stop");  // main thread
 * signal.take();                              // worker: "operator pressed e-stop", then null until the next trigger
 */
export class EStopSignal {
  static readonly maxReasonBytes = 500;
  private readonly head: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8 + EStopSignal.maxReasonBytes)) {
    this.head = new Int32Array(buffer, 0, 2);
    this.bytes = new Uint8Array(buffer, 8, EStopSignal.maxReasonBytes);
  }

  /** Asks the running trial to stop; the reason is cut to 500 UTF-8 bytes. */
  trigger(reason: string): void {
    const { written } = new TextEncoder().encodeInto(reason || "triggered", this.bytes);
    Atomics.store(this.head, 1, written);
    Atomics.store(this.head, 0, 1); // last: the reader sees the flag only once the reason is in place
  }

  /** The pending request's reason, consuming it; null when there is none. */
  take(): string | null {
    if (Atomics.exchange(this.head, 0, 0) !== 1) return null;
    const n = Atomics.load(this.head, 1);
    return new TextDecoder().decode(this.bytes.slice(0, n));
  }

  /** Drops a request that no trial consumed (one sent as a trial ended). */
  clear(): void {
    Atomics.store(this.head, 0, 0);
  }
}
