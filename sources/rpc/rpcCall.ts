import type { Deps } from '../deps.ts';
import { rooms } from '../events/rooms.ts';
import type { AppServer, AppSocket } from '../transport/socket/socketTypes.ts';
import { RPC_CALL_TIMEOUT_MS, RPC_ERRORS } from './rpcConstants.ts';
import { watchTarget } from './rpcPresence.ts';
import { waitForTarget } from './rpcTarget.ts';

/** The `rpc-call` ack (spec realtime.md §8.4). `result` is absent when the target acked with no value. */
export type RpcReply = { ok: true; result?: unknown } | { ok: false; error: string };

const failure = (error: string): RpcReply => ({ ok: false, error });

/**
 * Relays one call from `caller` to another socket of the same account that registered `method`,
 * and answers with the target's first ack argument verbatim. Every outcome is a reply; nothing
 * here throws on purpose.
 */
export async function callRpc(
    deps: Pick<Deps, 'io' | 'log'> & Partial<Pick<Deps, 'metrics'>>,
    caller: AppSocket,
    method: string,
    params: unknown,
): Promise<RpcReply> {
    const room = rooms.rpc(caller.data.userId, method);
    const target = await waitForTarget(deps.io, room, caller, method, deps.metrics);
    if (!target) return failure(RPC_ERRORS.notAvailable);
    if (target.id === caller.id) return failure(RPC_ERRORS.selfCall);

    const watch = watchTarget(deps.io, target.id, room, deps.metrics);
    try {
        const reply = await Promise.race([
            request(deps.io, target.id, method, params),
            watch.gone.then(() => failure(RPC_ERRORS.targetDisconnected)),
        ]);
        if (!reply.ok) deps.log.debug({ method, error: reply.error }, 'rpc call failed');
        return reply;
    } finally {
        watch.stop();
    }
}

/**
 * Sends `rpc-request` to the target's own room, which reaches it on whichever node holds it.
 * Not RemoteSocket.emitWithAck: when the socket is already gone that resolves with `undefined`,
 * indistinguishable from an ack without a value, whereas a room broadcast returns one response
 * per socket reached, so an empty list means the target left before the request got there.
 */
async function request(io: AppServer, targetId: string, method: string, params: unknown): Promise<RpcReply> {
    // To a target on another node the request travels as MessagePack, which has no undefined:
    // a call without params would arrive with `params: null` instead of without the key.
    const payload = params === undefined ? { method } : { method, params };
    try {
        const responses: unknown[] = await io
            .to(targetId)
            .timeout(RPC_CALL_TIMEOUT_MS)
            .emitWithAck('rpc-request', payload);
        if (responses.length === 0) return failure(RPC_ERRORS.targetDisconnected);
        const result = responses[0];
        return result === undefined ? { ok: true } : { ok: true, result };
    } catch (error) {
        // The timeout surfaces as Socket.IO's 'operation has timed out', upstream's wire text.
        return failure(error instanceof Error ? error.message : RPC_ERRORS.callFailed);
    }
}
