import type { Station } from "../station.js";
import { HttpStation } from "./http-station.js";
import { queueStations } from "./queue-station.js";
import { ThreadStation } from "./thread-station.js";

export interface FleetSpec {
  /** Simulated stations in worker threads on this machine. */
  threads: number;
  /** Stations behind the HTTP station protocol (real robots, or `enpire station serve`). */
  urls: readonly string[];
  /** A BullMQ queue on Redis, one slot per live `enpire worker`. */
  redis?: string;
}

/**
 * Builds a mixed fleet: thread stations, HTTP stations (each must answer GET /status in a protocol version this
 * enpire speaks) and queue slots. Stations already connected are closed again if a later one cannot be reached.
 * @example const stations = await connectStations({ threads: 2, urls: ["http://127.0.0.1:8203"] });
 */
export async function connectStations(spec: FleetSpec): Promise<Station[]> {
  const stations: Station[] = Array.from({ length: spec.threads }, (_, i) => new ThreadStation(`sim-${i}`));
  try {
    for (const url of spec.urls) stations.push(await HttpStation.connect(url));
    if (spec.redis) stations.push(...(await queueStations(spec.redis)));
  } catch (err) {
    await Promise.all(stations.map((s) => s.close().catch(() => {})));
    throw err;
  }
  return stations;
}
