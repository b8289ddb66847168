// The LARD paper's per-request costs as docs/simulator.md#backend-and-front-end-model states them, in milliseconds.

/** CPU: 417 µs + 24 µs per 512 B started (Flash figures). */
export function cpuMs(bytes: number): number {
  return 0.417 + 0.024 * Math.ceil(bytes / 512);
}

/** Disk, on a miss only: 28 ms + 410 µs per 4 KiB started + 14 ms per further 44 KiB started. */
export function diskMs(bytes: number): number {
  const extra = Math.max(0, bytes - 44 * 1024);
  return 28 + 0.41 * Math.ceil(bytes / 4096) + 14 * Math.ceil(extra / (44 * 1024));
}
