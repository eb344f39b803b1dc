/**
 * The handlers of each socket's events that are still running. Socket.IO dispatches an event
 * and forgets it; this is how a caller learns when the effects of what a socket sent have
 * landed (the fuzz suite waits on it before it compares the database).
 */
const pending = new WeakMap<object, Set<Promise<unknown>>>();

/** Runs `handle` as one of `socket`'s pending handlers. */
export function trackEvent(socket: object, handle: () => Promise<unknown>): Promise<unknown> {
    let running = pending.get(socket);
    if (!running) pending.set(socket, (running = new Set()));
    const handling = handle();
    running.add(handling);
    const done = () => running.delete(handling);
    handling.then(done, done);
    return handling;
}

/** Resolves once every handler `socket` had running (and any they led to) has finished. */
export async function eventsSettled(socket: object): Promise<void> {
    for (let running = pending.get(socket); running && running.size > 0; ) {
        await Promise.allSettled([...running]);
    }
}
