import type { AppServer, SocketData } from '../transport/socket/socketTypes.ts';
import { rooms } from './rooms.ts';

/** Bound on the cluster-wide lookup (upstream's value): a slow node must not delay a push. */
const LOOKUP_TIMEOUT_MS = 2_000;

/**
 * Whether one of the user's apps is in the foreground, on any node (spec realtime.md §5.4); push
 * dispatch skips notifying what the user is looking at. A UI client said clientType
 * 'user-scoped', or nothing (upstream routed those as user-scoped but did not count them, weak
 * spot 30 of rest.md §7), and reported appState 'active'. Fails open: when the cluster cannot
 * answer in time the answer is false and the push goes out, since a duplicate notification
 * costs less than a missed one.
 */
export async function hasActiveUiClient(io: AppServer, userId: string, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<boolean> {
    try {
        const sockets = await io.in(rooms.userScoped(userId)).timeout(timeoutMs).fetchSockets();
        return sockets.some((socket) => isActiveUi(socket.data));
    } catch {
        return false;
    }
}

function isActiveUi(data: Partial<SocketData>): boolean {
    // An absent clientType is undefined here but null in data from another node (MessagePack).
    return (data.clientType ?? 'user-scoped') === 'user-scoped' && data.appState === 'active';
}
