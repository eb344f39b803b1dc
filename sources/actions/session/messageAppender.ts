import type { EventRouter } from '../../events/eventRouter.ts';
import { retryConflicts } from '../../storage/inTx.ts';
import { appendMessages, type AppendOutcome, type AppendRequest, type StoredMessage } from '../../storage/messageAppend.ts';
import type { SqlClient } from '../../storage/sqlClient.ts';

/** Appends that arrive while batches commit wait for the next one; this caps a batch. */
const MAX_BATCH = 256;

interface Pending {
    request: AppendRequest;
    skipSocketId: string | undefined;
    resolve(outcome: AppendOutcome): void;
    reject(error: unknown): void;
}

/**
 * Group commit for messages: every append (REST v3 batch or socket `message`) queues here, and
 * a batch writes everything queued so far in one statement. Under load many appends share one
 * commit; alone, an append commits immediately.
 *
 * Up to `maxInFlight` batches commit at once, but never two with the same account: an account's
 * messages (so each of its sessions' messages) are written in arrival order, and its
 * `new-message` updates go out in update-seq order, since its next batch takes its seqs only
 * after the previous one committed and emitted. Batches of different accounts overlap, and
 * Postgres flushes their commits together. (Batches of one account would gain nothing from
 * overlapping: each waits for the other's row lock on the account's seq counter until commit.)
 */
export class MessageAppender {
    private queue: Pending[] = [];
    private readonly busyAccounts = new Set<string>();
    private inFlight = 0;
    private scheduled = false;
    private idle: Array<() => void> = [];

    constructor(
        private readonly sql: SqlClient,
        private readonly events: EventRouter,
        private readonly maxInFlight: number,
    ) {}

    append(request: AppendRequest, skipSocketId?: string): Promise<AppendOutcome> {
        return new Promise((resolve, reject) => {
            this.queue.push({ request, skipSocketId, resolve, reject });
            this.schedule();
        });
    }

    /** Resolves once everything queued so far is committed (shutdown). */
    close(): Promise<void> {
        if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
        return new Promise((resolve) => this.idle.push(resolve));
    }

    /**
     * Starts batches on the next turn of the event loop, not at once: PGlite runs in this thread
     * and resolves its promises without touching the event loop, so a batch started right away
     * would commit before any socket behind it is read, and every batch would hold one message.
     */
    private schedule(): void {
        if (this.scheduled) return;
        this.scheduled = true;
        setImmediate(() => {
            this.scheduled = false;
            this.startBatches();
        });
    }

    private startBatches(): void {
        while (this.inFlight < this.maxInFlight) {
            const batch = this.takeBatch();
            if (batch.length === 0) break;
            this.inFlight++;
            void this.write(batch).finally(() => {
                this.inFlight--;
                for (const item of batch) this.busyAccounts.delete(item.request.accountId);
                if (this.queue.length > 0) this.schedule();
                else if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
            });
        }
    }

    /** The oldest queued appends of accounts that have no batch in flight, in arrival order. */
    private takeBatch(): Pending[] {
        const batch: Pending[] = [];
        const taken = new Set<string>();
        const rest: Pending[] = [];
        for (const item of this.queue) {
            const account = item.request.accountId;
            const free = taken.has(account) || !this.busyAccounts.has(account);
            if (free && batch.length < MAX_BATCH) {
                batch.push(item);
                taken.add(account);
            } else {
                rest.push(item);
            }
        }
        this.queue = rest;
        for (const account of taken) this.busyAccounts.add(account);
        return batch;
    }

    private async write(batch: Pending[]): Promise<void> {
        // The batch learns its update seqs only with its result: other updates of its accounts
        // that may come after them wait until they are out.
        const holds = [...new Set(batch.map((item) => item.request.accountId))].map((account) => this.events.holdUpdates(account));
        try {
            await this.commit(batch);
        } catch (error) {
            if (batch.length === 1) {
                batch[0]!.reject(error);
                return;
            }
            // One bad request must not fail its neighbours: retry them one by one.
            for (const item of batch) await this.commit([item]).catch((e) => item.reject(e));
        } finally {
            for (const hold of holds) hold.release();
        }
    }

    private async commit(batch: Pending[]): Promise<void> {
        const outcomes = await retryConflicts(() => appendMessages(this.sql, batch.map((item) => item.request)));
        batch.forEach((item, i) => {
            const outcome = outcomes[i] ?? null;
            if (outcome) this.announce(item, outcome);
            item.resolve(outcome);
        });
    }

    private announce({ request, skipSocketId }: Pending, messages: StoredMessage[]): void {
        for (const message of messages) {
            if (message.userSeq === null) continue;
            this.events.reserveUpdate(request.accountId, message.userSeq).send({
                filter: { type: 'all-interested-in-session', sessionId: request.sessionId },
                skipSocketId,
                body: {
                    t: 'new-message',
                    sid: request.sessionId,
                    message: {
                        id: message.id,
                        seq: message.seq,
                        content: message.content,
                        localId: message.localId,
                        createdAt: message.createdAt,
                        updatedAt: message.updatedAt,
                    },
                },
            });
        }
    }
}
