import { z } from 'zod';
import type { Deps } from '../../../deps.ts';
import { callRpc } from '../../../rpc/rpcCall.ts';
import { RPC_ERRORS } from '../../../rpc/rpcConstants.ts';
import { registerMethod, rpcMethodName, unregisterMethod } from '../../../rpc/rpcRegistry.ts';
import { onAckedEvent, withContract } from '../socketAction.ts';
import type { AppSocket } from '../socketTypes.ts';

const registration = z.object({ method: rpcMethodName });
const call = z.object({ method: rpcMethodName, params: z.unknown().optional() });

/**
 * RPC relay events (spec realtime.md §8): `rpc-register` / `rpc-unregister` answer with an event
 * (they have no ack upstream), `rpc-call` with exactly one ack.
 */
export function registerRpcHandlers(deps: Deps, socket: AppSocket): void {
    onRegistrationEvent(deps, socket, 'register', async (method) => {
        if (!(await registerMethod(socket, method))) return false;
        socket.emit('rpc-registered', { method });
        return true;
    });
    onRegistrationEvent(deps, socket, 'unregister', async (method) => {
        await unregisterMethod(socket, method);
        socket.emit('rpc-unregistered', { method });
        return true;
    });
    onAckedEvent(socket, deps.log, 'rpc-call', {
        schema: call,
        invalid: { ok: false, error: RPC_ERRORS.invalidCall },
        failed: { ok: false, error: RPC_ERRORS.internal },
        run: (input) => callRpc(deps, socket, input.method, input.params),
    });
}

/**
 * `rpc-<type>`: a valid method goes to `run`, which answers the socket itself; an invalid one
 * (or `run` refusing it, returning false) gets `rpc-error 'Invalid method name'`, a failure
 * `rpc-error 'Internal error'`. Nothing escapes the handler, whatever the payload.
 */
function onRegistrationEvent(
    deps: Deps,
    socket: AppSocket,
    type: 'register' | 'unregister',
    run: (method: string) => Promise<boolean>,
): void {
    socket.on(`rpc-${type}`, withContract({ schema: registration, acked: false }, async (payload: unknown) => {
        try {
            const parsed = registration.safeParse(payload);
            if (parsed.success && (await run(parsed.data.method))) return;
            socket.emit('rpc-error', { type, error: RPC_ERRORS.invalidMethodName });
        } catch (error) {
            deps.log.error({ err: error, event: `rpc-${type}` }, 'socket event failed');
            socket.emit('rpc-error', { type, error: RPC_ERRORS.internal });
        }
    }));
}
