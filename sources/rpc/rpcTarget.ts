import { setTimeout as sleep } from 'node:timers/promises';
import type { Metrics } from '../monitoring/metrics.ts';
import type { AppServer, SocketData } from '../transport/socket/socketTypes.ts';
import { RPC_GRACE_POLL_PAUSE_MS, RPC_LOOKUP_TIMEOUT_MS, RPC_RECONNECT_GRACE_MS } from './rpcConstants.ts';
import { registeredAt } from './rpcRegistry.ts';

/** What a caller needs to know about a registered socket, on whichever node it lives. */
export interface RpcCandidate {
    id: string;
    data: Partial<SocketData>;
}

type LookupMetrics = Pick<Metrics, 'rpcLookupRetries' | 'rpcFetchSocketsTimeouts' | 'rpcMethods'>;

/** Every socket in `room` across the cluster; a failed or timed-out lookup counts as none. */
async function fetchCandidates(io: AppServer, room: string, metrics?: LookupMetrics): Promise<RpcCandidate[]> {
    try {
        return await io.in(room).timeout(RPC_LOOKUP_TIMEOUT_MS).fetchSockets();
    } catch {
        metrics?.rpcFetchSocketsTimeouts.inc({ context: 'lookup' });
        return [];
    }
}

/**
 * Upstream took the first socket in the room, typically the oldest: after a half-open connection
 * that is the dead one, still a member until its ping timeout (spec §15). Prefer any socket other
 * than the caller, then the most recent registration (on a tie, the later member, which joined
 * last). The caller itself comes back only when it is the sole member, for the self-call error.
 */
export function chooseTarget(candidates: RpcCandidate[], callerId: string, method: string): RpcCandidate | undefined {
    const others = candidates.filter((candidate) => candidate.id !== callerId);
    if (others.length === 0) return candidates[0];
    return others.reduce((best, candidate) =>
        registeredAt(candidate.data, method) >= registeredAt(best.data, method) ? candidate : best,
    );
}

/**
 * Looks for a socket registered in `room`, and while there is none keeps looking for the grace
 * window (a daemon re-registering after a reconnect), unless the caller leaves: then nobody
 * would hear the answer.
 */
export async function waitForTarget(
    io: AppServer,
    room: string,
    caller: { id: string; connected: boolean },
    method: string,
    metrics?: LookupMetrics,
): Promise<RpcCandidate | undefined> {
    const deadline = Date.now() + RPC_RECONNECT_GRACE_MS;
    for (let retries = 0; ; retries++) {
        const target = chooseTarget(await fetchCandidates(io, room, metrics), caller.id, method);
        if (target) metrics?.rpcLookupRetries.observe({ method: metrics.rpcMethods.label(method) }, retries);
        if (target || Date.now() >= deadline || !caller.connected) return target;
        await sleep(RPC_GRACE_POLL_PAUSE_MS);
    }
}
