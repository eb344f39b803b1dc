import { z } from 'zod';
import { rooms } from '../events/rooms.ts';
import type { AppSocket, SocketData } from '../transport/socket/socketTypes.ts';
import { RPC_MAX_METHOD_LENGTH, RPC_MAX_METHODS_PER_SOCKET } from './rpcConstants.ts';

/** A method name is opaque (`<sessionId>:bash`, `<machineId>:spawn-happy-session`), but bounded. */
export const rpcMethodName = z.string().min(1).max(RPC_MAX_METHOD_LENGTH);

/**
 * Registration is membership of `rpc:<userId>:<method>` (spec realtime.md §8.1), so disconnect
 * unregisters everything with no bookkeeping. The registration time is also kept in socket.data,
 * which fetchSockets() returns from every node, so a caller anywhere can prefer the socket that
 * registered last (a reconnected daemon) over an older, possibly half-open one. It is a list of
 * pairs, not an object keyed by method: socket.data crosses nodes as MessagePack, whose decoder
 * refuses a `__proto__` key, and one such method name would make every lookup that includes the
 * socket fail on other nodes (and its session unrecoverable).
 *
 * Returns false when the socket already holds the maximum number of methods.
 */
export async function registerMethod(socket: AppSocket, method: string): Promise<boolean> {
    const methods = (socket.data.rpcMethods ??= []);
    const known = methods.find(([name]) => name === method);
    if (known) known[1] = Date.now();
    else if (methods.length >= RPC_MAX_METHODS_PER_SOCKET) return false;
    else methods.push([method, Date.now()]);
    await socket.join(rooms.rpc(socket.data.userId, method));
    return true;
}

/** Leaving a room the socket is not in is fine (upstream answered `rpc-unregistered` anyway). */
export async function unregisterMethod(socket: AppSocket, method: string): Promise<void> {
    if (socket.data.rpcMethods) socket.data.rpcMethods = socket.data.rpcMethods.filter(([name]) => name !== method);
    await socket.leave(rooms.rpc(socket.data.userId, method));
}

/** When `data`'s socket registered `method`; 0 if unknown (it then loses every tie-break). */
export function registeredAt(data: Partial<SocketData> | undefined, method: string): number {
    const at = data?.rpcMethods?.find((pair) => Array.isArray(pair) && pair[0] === method)?.[1];
    return typeof at === 'number' ? at : 0;
}
