/**
 * Label values that come from clients, kept to a bounded set (upstream used them raw, so one
 * client could create any number of series: spec storage.md O1).
 */

/** A label value for everything outside the bounded set. */
export const OTHER = 'other';
/** Upstream's value when the client sent nothing. */
export const UNKNOWN = 'unknown';

/**
 * Admits the first `max` distinct values that match `shape`; later new values, and values of
 * any other shape, become `fallback`. A process keeps its set until it restarts, which is when
 * Prometheus starts its series afresh anyway.
 */
export class BoundedLabel {
    private readonly seen = new Set<string>();

    constructor(
        private readonly max: number,
        private readonly shape: RegExp,
    ) {}

    value(raw: string, fallback = OTHER): string {
        if (this.seen.has(raw)) return raw;
        if (this.seen.size >= this.max || !this.shape.test(raw)) return fallback;
        this.seen.add(raw);
        return raw;
    }
}

/**
 * Client families seen in the wild (`X-Happy-Client: <type>/<version>`, socket `happyClient`):
 * the CLI, its session and daemon processes, the control plane, happy-agent and the apps.
 */
const CLIENT_TYPES = new Set([
    'cli',
    'cli-coding-session',
    'cli-daemon',
    'cli-control-plane',
    'happy-agent',
    'happy-cli',
    'happy-app',
    'app',
    'mobile',
    'ios',
    'android',
    'web',
    'desktop',
]);

export interface ClientLabels {
    client: string;
    client_type: string;
}

/**
 * `client_type` is the lower-cased part before the first `/` (upstream's rule) when it is a
 * known family, else `other`; `client` keeps the whole value (family and version) for up to 64
 * distinct values, then `<family>/other`.
 */
export class ClientLabeler {
    private readonly versions = new BoundedLabel(64, /^[\w.-]{1,40}\/[\w.+-]{1,40}$/);

    labels(raw: unknown): ClientLabels {
        if (typeof raw !== 'string' || raw.length === 0) return { client: UNKNOWN, client_type: UNKNOWN };
        const type = raw.split('/', 1)[0]!.toLowerCase();
        if (!CLIENT_TYPES.has(type)) return { client: OTHER, client_type: OTHER };
        return { client: this.versions.value(raw, `${type}/${OTHER}`), client_type: type };
    }
}

/** `rpc_calls_total{method}`: upstream's text after the last `:` (`<sessionId>:bash` -> `bash`). */
export class RpcMethodLabeler {
    private readonly names = new BoundedLabel(64, /^[\w.-]{1,64}$/);

    label(method: unknown): string {
        if (typeof method !== 'string') return OTHER;
        return this.names.value(method.slice(method.lastIndexOf(':') + 1));
    }
}
