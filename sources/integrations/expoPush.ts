import { z } from 'zod';
import { jsonOf, type Outbound } from './outbound.ts';

/**
 * Expo's push service, spoken over its documented HTTP API (POST /--/api/v2/push/send, a JSON
 * array of at most 100 messages, one ticket back per message, in order). Not expo-server-sdk:
 * its base URL comes from a process-wide environment variable read at import, documented as
 * internal, so one process could not point two servers (or a test's stand-in) elsewhere.
 */
export interface ExpoPush {
    /** One ticket per message, in order; never rejects (a failed request fails its messages). */
    send(messages: ExpoMessage[], signal?: AbortSignal): Promise<ExpoTicket[]>;
}

export interface ExpoMessage {
    to: string;
    title: string;
    body: string;
    data: Record<string, unknown>;
    sound: 'default';
    channelId: string;
}

/** `error`: Expo's error code (`DeviceNotRegistered` ...) or message, or what went wrong on the way. */
export type ExpoTicket = { ok: true } | { ok: false; error: string };

/** Expo's documented maximum per request. */
export const EXPO_BATCH_SIZE = 100;

const ticket = z.union([
    z.object({ status: z.literal('ok') }),
    z.object({
        status: z.literal('error'),
        message: z.string().optional(),
        details: z.object({ error: z.string().optional() }).optional(),
    }),
]);
const sendResponse = z.object({ data: z.array(ticket) });

export function createExpoPush(config: { url: string }, outbound: Outbound): ExpoPush {
    const url = `${config.url}/--/api/v2/push/send`;

    async function sendBatch(batch: ExpoMessage[], signal?: AbortSignal): Promise<ExpoTicket[]> {
        const failed = (error: string) => batch.map((): ExpoTicket => ({ ok: false, error }));
        let response: Response;
        try {
            response = await outbound.fetch(url, {
                method: 'POST',
                headers: { accept: 'application/json', 'content-type': 'application/json' },
                body: JSON.stringify(batch),
                signal,
            });
        } catch {
            // Upstream's word for a timeout or a refused connection alike.
            return failed('Network error');
        }
        if (!response.ok) {
            await response.body?.cancel();
            return failed(`HTTP ${response.status}`);
        }
        const parsed = sendResponse.safeParse(await jsonOf(response));
        if (!parsed.success || parsed.data.data.length !== batch.length) return failed('Invalid response');
        return parsed.data.data.map((t) =>
            t.status === 'ok' ? { ok: true } : { ok: false, error: t.details?.error ?? t.message ?? 'unknown' },
        );
    }

    return {
        async send(messages, signal) {
            const tickets: ExpoTicket[] = [];
            // One batch after the other: a user has a handful of devices, and Expo asks senders
            // to keep their concurrent connections few.
            for (let start = 0; start < messages.length; start += EXPO_BATCH_SIZE) {
                tickets.push(...(await sendBatch(messages.slice(start, start + EXPO_BATCH_SIZE), signal)));
            }
            return tickets;
        },
    };
}
