import type { EventRouter } from '../../events/eventRouter.ts';
import type { Logger } from '../../monitoring/log.ts';
import type { Prisma } from '../../storage/db.ts';
import { inTx } from '../../storage/inTx.ts';
import { appendMessages, type AppendOutcome, type AppendRequest, type StoredMessage } from '../../storage/messageAppend.ts';

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Appends that arrive while a batch commits wait for the next one; this caps a batch. */
const MAX_BATCH = 256;

interface Pending {
    request: AppendRequest;
    skipSocketId: string | undefined;
    resolve(outcome: AppendOutcome): void;
    reject(error: unknown): void;
}

/**
 * Group commit for messages: every append (REST v3 batch or socket `message`) queues here, and
 * one transaction at a time writes everything queued so far. Under load many appends share one
 * commit; alone, an append commits immediately. One writer per node also keeps each session's
 * message seqs in arrival order, and `new-message` updates go out after commit in seq order.
 */
export class MessageAppender {
    private queue: Pending[] = [];
    private draining: Promise<void> | null = null;

    constructor(
        private readonly prisma: Prisma,
        private readonly events: EventRouter,
        private readonly log: Logger,
    ) {}

    append(request: AppendRequest, skipSocketId?: string): Promise<AppendOutcome> {
        return new Promise((resolve, reject) => {
            this.queue.push({ request, skipSocketId, resolve, reject });
            this.draining ??= this.drain().finally(() => {
                this.draining = null;
            });
        });
    }

    /** Resolves once everything queued so far is committed (shutdown). */
    async close(): Promise<void> {
        while (this.draining) await this.draining;
    }

    private async drain(): Promise<void> {
        // Yield to I/O before each batch. PGlite runs in this thread and resolves its promises
        // without touching the event loop, so a batch would otherwise commit before any socket
        // behind it is read, and every batch would hold exactly one message.
        await yieldToIo();
        while (this.queue.length > 0) {
            const batch = this.queue.splice(0, MAX_BATCH);
            try {
                await this.commit(batch);
            } catch (error) {
                if (batch.length === 1) {
                    batch[0]!.reject(error);
                    continue;
                }
                // One bad request must not fail its neighbours: retry them one by one.
                for (const item of batch) await this.commit([item]).catch((e) => item.reject(e));
            }
            await yieldToIo();
        }
    }

    private async commit(batch: Pending[]): Promise<void> {
        const outcomes = await inTx(
            this.prisma,
            this.log,
            ({ tx }) => appendMessages(tx, batch.map((item) => item.request)),
            { isolation: 'ReadCommitted' },
        );
        batch.forEach((item, i) => {
            const outcome = outcomes[i] ?? null;
            if (outcome) this.announce(item, outcome);
            item.resolve(outcome);
        });
    }

    private announce({ request, skipSocketId }: Pending, messages: StoredMessage[]): void {
        for (const message of messages) {
            if (message.userSeq === null) continue;
            this.events.emitUpdate({
                userId: request.accountId,
                filter: { type: 'all-interested-in-session', sessionId: request.sessionId },
                skipSocketId,
                seq: message.userSeq,
                body: {
                    t: 'new-message',
                    sid: request.sessionId,
                    message: {
                        id: message.id,
                        seq: message.seq,
                        content: message.content,
                        localId: message.localId,
                        createdAt: message.createdAt.getTime(),
                        updatedAt: message.updatedAt.getTime(),
                    },
                },
            });
        }
    }
}
