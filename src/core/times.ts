// File times against a marker's: whether a file was changed before a moment of the file
// system's clock (an output left from before its command; HashOptions.newer in io/hash.ts).

const SECOND = 1_000_000_000n

/**
 * The precision a file time (ns since the epoch) was stored with, as its trailing zeros tell:
 * 1 ns on ext4, 100 ns on NTFS or SMB, whole seconds on ext3 or HFS+, and 2 s for FAT, whose
 * whole seconds are taken to be that coarse. A time that is round by chance only makes the
 * comparison coarser.
 */
export function timePrecision(t: bigint): bigint {
  let p = 1n
  while (p < SECOND && t % (p * 10n) === 0n) p *= 10n
  return p === SECOND ? 2n * SECOND : p
}

/**
 * Whether a file time is older than `marker`, at the file time's own precision: `marker` is
 * rounded down to it first, so that a file written just after the marker on a file system that
 * keeps whole seconds (its time cut to the second) is not taken as older.
 */
export function olderThan(t: bigint, marker: bigint): boolean {
  const p = timePrecision(t)
  return t < marker - (((marker % p) + p) % p)
}
