/**
 * Every RPC timing, limit and wire string in one place (spec realtime.md §8.4). The error strings
 * are part of the contract: happy-agent matches 'RPC method not available' to say "machine
 * offline", and 'operation has timed out' is the text Socket.IO's ack timeout produces upstream.
 */

/** How long the target may take to answer (upstream's value; the daemon spawns within it). */
export const RPC_CALL_TIMEOUT_MS = 30_000;

/**
 * Nobody registered yet: keep looking this long before giving up. A daemon that lost its
 * connection reconnects and re-registers within seconds (its loop retries after 1 s / 3 s), and a
 * freshly started node needs a few seconds to discover its peers (spec §8.6).
 */
export const RPC_RECONNECT_GRACE_MS = 15_000;
/** Pause between lookups during the grace window. */
export const RPC_GRACE_POLL_PAUSE_MS = 200;
/** Bound on one cluster-wide lookup: an unresponsive peer node must not stall a call. */
export const RPC_LOOKUP_TIMEOUT_MS = 2_000;

/**
 * While a call is in flight the target's room membership is re-checked this often, and the call
 * fails with 'RPC target disconnected' once it is gone: within about 1 s for a target on this
 * node (an exact in-memory check), 2-4 s for one on another node, where it takes
 * RPC_PRESENCE_MISSES consecutive misses so that one slow lookup does not abort a healthy call.
 * (Upstream polled every 2 s with two misses for every target: 4-6 s.)
 */
export const RPC_PRESENCE_POLL_MS = 1_000;
export const RPC_PRESENCE_LOOKUP_TIMEOUT_MS = 1_000;
export const RPC_PRESENCE_MISSES = 2;

/**
 * Upstream let a socket join any number of rooms with names of any length (spec §15). Real
 * clients register a dozen or two short names per socket; these bounds also cap what every
 * cross-node lookup carries, since registrations travel in socket.data.
 */
export const RPC_MAX_METHODS_PER_SOCKET = 512;
export const RPC_MAX_METHOD_LENGTH = 512;

export const RPC_ERRORS = {
    invalidMethodName: 'Invalid method name',
    invalidCall: 'Invalid parameters: method is required',
    notAvailable: 'RPC method not available',
    selfCall: 'Cannot call RPC on the same socket',
    targetDisconnected: 'RPC target disconnected',
    callFailed: 'RPC call failed',
    internal: 'Internal error',
} as const;
