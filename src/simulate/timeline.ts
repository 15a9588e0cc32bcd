/** @module Drives a scenario's actors through fixed time windows and writes each window in order. */

import type { PacketQueue } from "./packet-queue.js";

/** Anything that emits packets for the events starting in a time window. */
export interface Actor {
  /** Emits the events that start in [w0, w1) and before `limit` (their replies may come later). */
  step(w0: number, w1: number, limit: number): void;
}

export interface TimelineOptions {
  start: number;
  end: number;
  windowUs: number;
  /** No event starts this close to `end`, so every exchange completes inside the observation. */
  guardUs: number;
  onProgress?: (packetsWritten: number, simTimeUs: number) => void;
  /** Call onProgress every this many windows. */
  progressEvery: number;
}

/** Runs `actors` over [start, end); the queue holds what crosses a window edge until its turn. */
export function runTimeline(q: PacketQueue, actors: readonly Actor[], o: TimelineOptions): void {
  const limit = o.end - o.guardUs;
  let i = 0;
  for (let w0 = o.start; w0 < o.end; w0 += o.windowUs) {
    const w1 = Math.min(o.end, w0 + o.windowUs);
    for (const a of actors) a.step(w0, w1, limit);
    q.flushUntil(w1);
    if (o.onProgress && ++i % o.progressEvery === 0) o.onProgress(q.written, w1);
  }
  q.finish();
  o.onProgress?.(q.written, o.end);
}
