import type fc from 'fast-check';

/** The seed of `npm test`: CI runs the same cases every time, so a red run is a change's doing. */
const CI_SEED = 20261130;

/**
 * How much to fuzz. `npm test` runs a few cases per route and event from a fixed seed;
 * `npm run fuzz` sets FUZZ_LONG and runs many more from a random one. FUZZ_RUNS overrides the
 * count per route or event, FUZZ_SEED replays a run: every run prints its seed first, and a
 * failure prints it again with fast-check's path to the failing case.
 */
export function fuzzSettings(ciRuns: number): { seed: number; runs: number; parameters(index: number): fc.Parameters<unknown> } {
    const seed = process.env.FUZZ_SEED
        ? Number(process.env.FUZZ_SEED)
        : process.env.FUZZ_LONG
          ? Math.floor(Math.random() * 2 ** 31)
          : CI_SEED;
    const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : process.env.FUZZ_LONG ? ciRuns * 40 : ciRuns;
    // One seed per route or event, derived from the run's: each gets its own inputs, and a replay
    // of the run replays all of them.
    return { seed, runs, parameters: (index) => ({ seed: (seed + index * 7919) | 0, numRuns: runs }) };
}
