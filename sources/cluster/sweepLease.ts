/**
 * Who runs a cluster-wide periodic job (the presence timeout sweep, spec realtime.md §9.6): one
 * node per cluster instead of every node scanning the same rows every minute.
 */
export interface SweepLease {
    /** True when this node may run the job now; takes the lease or renews it for `ttlMs`. */
    hold(ttlMs: number): Promise<boolean>;
    /** Gives the lease up on shutdown, so another node takes over at its next tick. */
    release(): Promise<void>;
}

/** One node: it always holds the lease. */
export const soleNodeLease: SweepLease = {
    hold: async () => true,
    release: async () => {},
};
