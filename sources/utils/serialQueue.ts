/** Runs tasks one at a time in the order they were queued (queued synchronously, on arrival). */
export interface SerialQueue {
    /** Tasks queued and not finished yet, the running one included. */
    pending(): number;
    run<T>(task: () => Promise<T>): Promise<T>;
}

export function serialQueue(): SerialQueue {
    let tail: Promise<unknown> = Promise.resolve();
    let pending = 0;
    return {
        pending: () => pending,
        run(task) {
            pending++;
            const result = tail.then(task).finally(() => pending--);
            tail = result.catch(() => undefined);
            return result;
        },
    };
}
