/** Socket.IO room names (spec realtime.md §3.1, §8.1). Upstream-compatible across mixed clusters. */
export const rooms = {
    user: (userId: string) => `user:${userId}`,
    userScoped: (userId: string) => `user:${userId}:user-scoped`,
    session: (userId: string, sessionId: string) => `user:${userId}:session:${sessionId}`,
    machine: (userId: string, machineId: string) => `user:${userId}:machine:${machineId}`,
    rpc: (userId: string, method: string) => `rpc:${userId}:${method}`,
    /**
     * A scope room (one of the above) as joined by native (Workers-generation) sockets only, in
     * addition to it: where the events Socket.IO clients never had go (spec workers.md §1.3
     * `machine-status`, §1.11 forwarded events), so those clients see no change.
     */
    native: (scopeRoom: string) => `native:${scopeRoom}`,
};

/** Who receives an event (spec realtime.md §3.2). */
export type RecipientFilter =
    | { type: 'all-user-authenticated-connections' }
    | { type: 'user-scoped-only' }
    | { type: 'all-interested-in-session'; sessionId: string }
    | { type: 'machine-scoped-only'; machineId: string }
    /** Native user-scoped sockets only (the Workers filter `user-scoped-only`, for Workers-only events). */
    | { type: 'native-user-scoped-only' };

export function roomsFor(userId: string, filter: RecipientFilter): string[] {
    switch (filter.type) {
        case 'all-user-authenticated-connections':
            return [rooms.user(userId)];
        case 'user-scoped-only':
            return [rooms.userScoped(userId)];
        case 'all-interested-in-session':
            return [rooms.session(userId, filter.sessionId), rooms.userScoped(userId)];
        case 'machine-scoped-only':
            return [rooms.machine(userId, filter.machineId), rooms.userScoped(userId)];
        case 'native-user-scoped-only':
            return [rooms.native(rooms.userScoped(userId))];
    }
}
