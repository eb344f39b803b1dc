/**
 * Requests to third parties (GitHub, ElevenLabs, RevenueCat, Expo). Each has a deadline, and
 * closing aborts whatever is still in flight, so a slow third party never holds a request
 * handler forever nor keeps the process from stopping.
 */
export interface Outbound {
    /** `fetch` with a deadline (default 10 s); rejects with an OutboundError on timeout or network failure. */
    fetch(url: string | URL, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
    /** Aborts every request in flight (shutdown). */
    close(): void;
}

export class OutboundError extends Error {
    constructor(
        readonly reason: 'timeout' | 'network' | 'shutdown',
        readonly url: string,
        options?: ErrorOptions,
    ) {
        super(`${reason} calling ${url}`, options);
    }
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createOutbound(): Outbound {
    const shutdown = new AbortController();
    return {
        async fetch(url, { timeoutMs = DEFAULT_TIMEOUT_MS, signal, ...init } = {}) {
            const deadline = AbortSignal.timeout(timeoutMs);
            const signals = [shutdown.signal, deadline, ...(signal ? [signal] : [])];
            // Only origin and path: query strings of third-party calls may carry credentials.
            const target = new URL(url);
            const name = `${target.origin}${target.pathname}`;
            try {
                return await fetch(url, { ...init, signal: AbortSignal.any(signals) });
            } catch (error) {
                if (shutdown.signal.aborted) throw new OutboundError('shutdown', name, { cause: error });
                if (deadline.aborted) throw new OutboundError('timeout', name, { cause: error });
                throw new OutboundError('network', name, { cause: error });
            }
        },
        close() {
            shutdown.abort();
        },
    };
}

/** The JSON body of a response, or undefined when it is not JSON (a third party's error page). */
export async function jsonOf(response: Response): Promise<unknown> {
    try {
        return await response.json();
    } catch {
        return undefined;
    }
}
