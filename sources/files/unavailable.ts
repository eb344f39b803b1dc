import { NETWORK_CODES } from '../storage/unavailable.ts';

/**
 * Whether an error of the S3 store means "the store cannot be reached right now" (the network
 * to it cut, its server down or overloaded): the AWS SDK's errors carry `$metadata`, and gave up
 * after its own retries. A local directory has no such state: its errors are real ones.
 */
export function isBlobStoreUnavailable(error: unknown): boolean {
    const e = error as { $metadata?: { httpStatusCode?: number }; code?: unknown; name?: unknown } | null;
    if (!e || typeof e !== 'object' || !e.$metadata) return false;
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
    if (e.name === 'TimeoutError' || e.name === 'RequestTimeout') return true;
    return (e.$metadata.httpStatusCode ?? 0) >= 500;
}
