/**
 * Abuse limits far above anything a suite sends, for suites that hammer every route and event
 * on purpose (the fuzz suites): the limit checks still run, they just never refuse.
 */
export const GENEROUS_LIMITS: Record<string, string> = {
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_PAIRING_PER_MINUTE: '1000000',
    RATE_LIMIT_SEARCH_PER_MINUTE: '1000000',
    RATE_LIMIT_PUSH_PER_MINUTE: '1000000',
    RATE_LIMIT_UPLOADS_PER_MINUTE: '1000000',
    RATE_LIMIT_WS_TICKET_PER_MINUTE: '1000000',
    SOCKET_EVENTS_PER_SECOND: '1000000',
    SOCKET_EVENT_BURST: '1000000',
    SOCKET_FLOOD_DISCONNECT_AFTER: '0',
};
