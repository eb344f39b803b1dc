/**
 * Token revocations told to every node: each node caches per account the time before which
 * tokens are refused (auth/revocations.ts), so a revocation made anywhere (a node, or the admin
 * CLI with no server running) must reach every node's cache and its open sockets. The memory
 * driver serves one node; the Redis driver (several nodes) publishes on a channel every node
 * subscribes to. A node is not told of its own revocations: it has already acted on them.
 */
export interface RevocationFeed {
    publish(accountId: string): Promise<void>;
    /** `listener` runs for every revocation another node or process publishes. */
    subscribe(listener: (accountId: string) => void): void;
    close(): Promise<void>;
}

/** One node: nobody else to tell. */
export function createMemoryRevocationFeed(): RevocationFeed {
    return {
        publish: async () => {},
        subscribe: () => {},
        close: async () => {},
    };
}
