import type { z } from 'zod';
import { jsonOf, type Outbound } from './outbound.ts';

/** A third party answered, but not with what was asked for: an error status or an unexpected body. */
export class ThirdPartyError extends Error {
    constructor(service: string, status: number, problem: string) {
        super(`${service} answered ${status}: ${problem}`);
    }
}

/**
 * GETs `url` and returns its JSON body checked against `schema`. Network failures and timeouts
 * reject with an OutboundError, anything but a 2xx with the expected shape with a
 * ThirdPartyError; neither carries the URL's query or the request's headers (credentials).
 */
export async function getJson<T>(
    outbound: Outbound,
    service: string,
    url: URL,
    headers: Record<string, string>,
    schema: z.ZodType<T>,
): Promise<T> {
    const response = await outbound.fetch(url, { headers: { accept: 'application/json', ...headers } });
    if (!response.ok) {
        await response.body?.cancel();
        throw new ThirdPartyError(service, response.status, 'error status');
    }
    const parsed = schema.safeParse(await jsonOf(response));
    if (!parsed.success) throw new ThirdPartyError(service, response.status, 'unexpected body');
    return parsed.data;
}
