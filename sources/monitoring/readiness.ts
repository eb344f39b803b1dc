import { withTimeout } from '../utils/withTimeout.ts';

/** 'none': not configured on this node (Redis without REDIS_URL), so it cannot be down. */
export type DependencyState = 'up' | 'down' | 'none';

export interface DependencyReport {
    name: string;
    state: DependencyState;
    /** How long the check took (Server-Timing). */
    ms: number;
}

/**
 * What `/ready` checks. The database and Redis are registered by createDeps; any other
 * dependency joins with one call, e.g. the blob store:
 * `readiness.register('blobStore', () => store.health())`.
 */
export interface Readiness {
    /** Adds a dependency; its check resolves its state (true: up, false: down); a failure counts as down. */
    register(name: string, check: () => Promise<DependencyState | boolean>): void;
    /** Runs every check at once; a check that hangs is down after CHECK_TIMEOUT_MS. */
    check(): Promise<DependencyReport[]>;
}

/**
 * Registers `dependency` under `name` when it has a `health()`: a dependency object joins /ready
 * by having that method, with no change here (the blob store does).
 */
export function registerHealthOf(readiness: Readiness, name: string, dependency: object): void {
    const health = (dependency as { health?: unknown }).health;
    if (typeof health === 'function') readiness.register(name, () => health.call(dependency));
}

/** Load balancers probe often and want an answer, not a hung request. */
const CHECK_TIMEOUT_MS = 2_000;

export function createReadiness(): Readiness {
    const checks: Array<{ name: string; check: () => Promise<DependencyState | boolean> }> = [];
    return {
        register(name, check) {
            checks.push({ name, check });
        },
        check: () => Promise.all(checks.map(({ name, check }) => run(name, check))),
    };
}

async function run(name: string, check: () => Promise<DependencyState | boolean>): Promise<DependencyReport> {
    const started = performance.now();
    const state = await withTimeout(Promise.resolve().then(check), CHECK_TIMEOUT_MS).then(
        (result): DependencyState => (result === true ? 'up' : result === false ? 'down' : result),
        (): DependencyState => 'down',
    );
    return { name, state, ms: performance.now() - started };
}
