import type { Deps } from '../../deps.ts';
import { hasActiveUiClient } from '../../events/activeUiClient.ts';
import type { ExpoMessage } from '../../integrations/expoPush.ts';

/** What became of a push (spec rest.md §3.4); spread into the route's answer after `success`. */
export type PushOutcome =
    | { result: 'sent'; tokens: number }
    | { result: 'partial'; tokens: number; delivered: number; reason: string }
    | { result: 'suppressed'; reason: 'active-ui-client' }
    | { result: 'no_tokens' }
    | { result: 'failed'; reason: string };

export type Notification = Pick<ExpoMessage, 'title' | 'body' | 'data'>;

/**
 * The sending part (about 6 s) of upstream's ~8 s bound, after at most 2 s of presence lookup:
 * the CLI awaits the answer, and a slow Expo must not hold it much longer than that.
 */
const SEND_DEADLINE_MS = 6_000;

/**
 * Notifies the user's devices unless one of their apps is in the foreground on any node (the
 * realtime layer answers that for the whole cluster, failing open). Tokens Expo reports as
 * `DeviceNotRegistered` (the app was uninstalled, or notifications turned off) are deleted so
 * that no later push goes to them.
 */
export async function dispatchPush(
    deps: Pick<Deps, 'io' | 'db' | 'push' | 'log'>,
    userId: string,
    notification: Notification,
): Promise<PushOutcome> {
    if (await hasActiveUiClient(deps.io, userId)) return { result: 'suppressed', reason: 'active-ui-client' };
    const prisma = deps.db.prisma;
    const tokens = await prisma.accountPushToken.findMany({ where: { accountId: userId }, select: { id: true, token: true } });
    if (tokens.length === 0) return { result: 'no_tokens' };

    const messages = tokens.map(({ token }): ExpoMessage => ({ to: token, ...notification, sound: 'default', channelId: 'messages' }));
    const tickets = await deps.push.send(messages, AbortSignal.timeout(SEND_DEADLINE_MS));

    const errors = tickets.flatMap((ticket) => (ticket.ok ? [] : [ticket.error]));
    const gone = tokens.filter((_, i) => {
        const ticket = tickets[i]!;
        return !ticket.ok && ticket.error === 'DeviceNotRegistered';
    });
    if (gone.length > 0) {
        await prisma.accountPushToken
            .deleteMany({ where: { accountId: userId, id: { in: gone.map((row) => row.id) } } })
            .catch((error: unknown) => deps.log.warn({ err: error, userId }, 'could not delete unregistered push tokens'));
    }

    const delivered = tickets.length - errors.length;
    if (errors.length === 0) return { result: 'sent', tokens: delivered };
    // Counts only: an error text may quote the device token.
    deps.log.warn({ userId, tokens: tokens.length, delivered, unregistered: gone.length }, 'push not delivered to every device');
    const reason = errors.join(', ');
    if (delivered === 0) return { result: 'failed', reason };
    return { result: 'partial', tokens: tokens.length, delivered, reason };
}
