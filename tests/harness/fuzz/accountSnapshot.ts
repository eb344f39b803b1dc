import type { TestAccount } from '../useTestServer.ts';
import type { OwnedIds } from './ownedIds.ts';

/** Fields that move with presence and time, not with writes. */
const VOLATILE = new Set(['active', 'activeAt', 'lastActiveAt', 'updatedAt', 'thinking', 'thinkingAt']);

/**
 * What an account sees of its own data through its GET routes, less presence. Two equal
 * snapshots: nothing another account did changed it.
 */
export async function snapshotOf(account: TestAccount, ids: OwnedIds): Promise<Record<string, unknown>> {
    const paths = [
        '/v1/sessions',
        `/v3/sessions/${ids.session}/messages`,
        '/v1/machines',
        `/v1/machines/${ids.machine}`,
        '/v1/artifacts',
        `/v1/artifacts/${ids.artifact}`,
        `/v1/access-keys/${ids.session}/${ids.machine}`,
        '/v1/kv',
        '/v1/push-tokens',
        '/v1/uploads',
        `/v1/uploads/${ids.upload}`,
        `/v1/sessions/${ids.session}/attachments/${ids.attachmentFile}`,
        '/v1/account/settings',
        '/v1/connect/tokens',
    ];
    const entries = await Promise.all(
        paths.map(async (path) => {
            const { status, body } = await account.request('GET', path);
            return [path, { status, body: JSON.parse(JSON.stringify(body ?? null), (key, value) => (VOLATILE.has(key) ? undefined : value)) }] as const;
        }),
    );
    return Object.fromEntries(entries);
}
