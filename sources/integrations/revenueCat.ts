import { z } from 'zod';
import type { Outbound } from './outbound.ts';
import { getJson } from './thirdPartyJson.ts';

/** RevenueCat, asked whether an account pays for voice (spec rest.md §3.13). */
export interface RevenueCat {
    /** Whether the customer (the account id) has at least one active entitlement. */
    isSubscribed(accountId: string): Promise<boolean>;
}

const entitlements = z.object({ items: z.array(z.unknown()) });

export function createRevenueCat(config: { url: string; apiKey: string; projectId: string }, outbound: Outbound): RevenueCat {
    const project = encodeURIComponent(config.projectId);
    return {
        async isSubscribed(accountId) {
            const url = new URL(`${config.url}/v2/projects/${project}/customers/${encodeURIComponent(accountId)}/active_entitlements`);
            const { items } = await getJson(outbound, 'RevenueCat', url, { authorization: `Bearer ${config.apiKey}` }, entitlements);
            return items.length > 0;
        },
    };
}
