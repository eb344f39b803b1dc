import semver from 'semver';
import { z } from 'zod';
import { defineAction, ok } from '../action.ts';

/** The oldest app build the server still works with (spec rest.md §3.14). */
const SUPPORTED = '>=1.4.1';

const STORE_URLS = new Map([
    ['ios', 'https://apps.apple.com/us/app/happy-claude-code-client/id6748571505'],
    ['android', 'https://play.google.com/store/apps/details?id=com.ex3ndr.happy'],
]);

/**
 * POST /v1/version (no auth): tells an outdated mobile app where to update. Pre-release and
 * non-semver versions do not satisfy the range, so they count as outdated, as upstream's did;
 * other platforms (web, desktop) are never asked to update.
 */
export const appVersionCheck = defineAction({
    input: z.object({
        platform: z.string().max(64),
        version: z.string().max(256),
        // Required like upstream, and ignored.
        app_id: z.string().max(256),
    }),
    async run(_deps, _caller: null, { platform, version }) {
        const storeUrl = STORE_URLS.get(platform.toLowerCase());
        const outdated = storeUrl !== undefined && !semver.satisfies(version, SUPPORTED);
        return ok({ updateUrl: outdated ? storeUrl : null });
    },
});
