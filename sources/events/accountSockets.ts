import { rooms } from './rooms.ts';
import type { AppServer } from '../transport/socket/socketTypes.ts';

/** Bound on the cluster-wide lookup, as for RPC targets: a slow node must not hold an upgrade. */
const LOOKUP_TIMEOUT_MS = 2_000;

/** Every socket of the account, both protocols, on every node (native ones carry `data.native`). */
export function accountSockets(io: AppServer, userId: string) {
    return io.in(rooms.user(userId)).timeout(LOOKUP_TIMEOUT_MS).fetchSockets();
}
