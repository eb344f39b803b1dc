import type { EventRouter } from '../../events/eventRouter.ts';
import type { Metrics } from '../../monitoring/metrics.ts';
import { retryConflicts } from '../../storage/inTx.ts';
import { appendMessages, type AppendOutcome, type AppendRequest, type StoredMessage } from '../../storage/messageAppend.ts';
import type { SqlClient } from '../../storage/sqlClient.ts';
import { isDatabaseUnavailable } from '../../storage/unavailable.ts';

/** Appends that arrive while batches commit wait for the next one; this caps a batch. */
const MAX_BATCH = 256;

/**
 * An account's batches queue for its seq counter, one commit at a time, so a batch that starts
 * while another of the account is in flight must carry enough messages to be worth a commit of
 * its own; smaller ones wait and join the next batch (fewer, fuller commits at light load).
 */
const MIN_OVERLAPPING = 32;

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
 * Up to `maxInFlight` batches are written at once, but never two with the same session, so each
 * session's messages are written (and numbered) in arrival order. Batches of one account
 * overlap their inserts and queue only for the account's seq counter, taken last; the
 * `new-message` updates still go out in update-seq order (the batches hold the account's
 * updates until their seqs are known, see events/updateOrder.ts).
 */
export class MessageAppender {
    private queue: Pending[] = [];
    private readonly busySessions = new Set<string>();
    /** Batches in flight per account. */
    private readonly busyAccounts = new Map<string, number>();
    private inFlight = 0;
    private scheduled = false;
    private idle: Array<() => void> = [];

    constructor(
        private readonly sql: SqlClient,
        private readonly events: EventRouter,
        private readonly maxInFlight: number,
        private readonly metrics?: Pick<Metrics, 'messageBatchSize' | 'messageBatchDuration'>,
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
            const accounts = new Set(batch.map((item) => item.request.accountId));
            for (const account of accounts) this.busyAccounts.set(account, (this.busyAccounts.get(account) ?? 0) + 1);
            void this.write(batch, accounts).finally(() => {
                this.inFlight--;
                for (const item of batch) this.busySessions.delete(item.request.sessionId);
                for (const account of accounts) {
                    const left = this.busyAccounts.get(account)! - 1;
                    if (left > 0) this.busyAccounts.set(account, left);
                    else this.busyAccounts.delete(account);
                }
                if (this.queue.length > 0) this.schedule();
                else if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
            });
        }
    }

    /**
     * The oldest queued appends of sessions that have no batch in flight, in arrival order,
     * leaving out accounts with a batch in flight that would add fewer than MIN_OVERLAPPING
     * messages.
     */
    private takeBatch(): Pending[] {
        const free = new Set<Pending>();
        const taken = new Set<string>();
        const overlapping = new Map<string, number>();
        for (const item of this.queue) {
            if (free.size === MAX_BATCH) break;
            const { sessionId, accountId } = item.request;
            if (!taken.has(sessionId) && this.busySessions.has(sessionId)) continue;
            free.add(item);
            taken.add(sessionId);
            const messages = item.request.messages.length;
            if (this.busyAccounts.has(accountId)) overlapping.set(accountId, (overlapping.get(accountId) ?? 0) + messages);
        }
        const batch: Pending[] = [];
        const rest: Pending[] = [];
        for (const item of this.queue) {
            const small = (overlapping.get(item.request.accountId) ?? MIN_OVERLAPPING) < MIN_OVERLAPPING;
            (free.has(item) && !small ? batch : rest).push(item);
        }
        this.queue = rest;
        for (const item of batch) this.busySessions.add(item.request.sessionId);
        return batch;
    }

    private async write(batch: Pending[], accounts: Set<string>): Promise<void> {
        // The batch learns its update seqs only with its result: other updates of its accounts
        // that may come after them wait until they are out.
        const holds = [...accounts].map((account) => this.events.holdUpdates(account));
        try {
            await this.commit(batch);
        } catch (error) {
            // An outage fails the whole batch at once: retried one by one, each would wait out
            // the statement deadline again, and the last ones would be answered only minutes later.
            if (batch.length === 1 || isDatabaseUnavailable(error)) {
                for (const item of batch) item.reject(error);
                return;
            }
            // One bad request must not fail its neighbours: retry them one by one.
            for (const item of batch) await this.commit([item]).catch((e) => item.reject(e));
        } finally {
            for (const hold of holds) hold.release();
        }
    }

    private async commit(batch: Pending[]): Promise<void> {
        const started = performance.now();
        const outcomes = await retryConflicts(() => appendMessages(this.sql, batch.map((item) => item.request)));
        this.metrics?.messageBatchDuration.observe((performance.now() - started) / 1000);
        this.metrics?.messageBatchSize.observe(batch.reduce((sum, item) => sum + item.request.messages.length, 0));
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
