import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../monitoring/log.ts';
import type { Prisma } from './db.ts';

export type Tx = Parameters<Parameters<Prisma['$transaction']>[0]>[0];

export interface TxScope {
    tx: Tx;
    /** Runs `effect` after the transaction commits (never for a rolled-back attempt). */
    afterCommit(effect: () => unknown): void;
    /** Runs `undo` (synchronously) when this attempt rolls back, e.g. to give up a reservation. */
    onRollback(undo: () => void): void;
}

export interface InTxOptions {
    isolation?: 'Serializable' | 'ReadCommitted' | 'RepeatableRead';
    maxAttempts?: number;
}

const SERIALIZATION_CODES = new Set(['P2034', '40001', '40P01']);

/**
 * Runs `fn` in an interactive transaction, retrying serialization failures and deadlocks with
 * jittered exponential backoff. After commit, the effects registered by the successful attempt
 * run in order and are awaited; a failing effect is logged and never rejects the caller, since
 * the data it describes is already committed.
 */
export async function inTx<T>(
    prisma: Prisma,
    log: Logger,
    fn: (scope: TxScope) => Promise<T>,
    { isolation = 'Serializable', maxAttempts = 8 }: InTxOptions = {},
): Promise<T> {
    const { result, effects } = await retryConflicts(async () => {
        const effects: Array<() => unknown> = [];
        const undos: Array<() => void> = [];
        try {
            const result = await prisma.$transaction(
                (tx) => fn({ tx, afterCommit: (effect) => void effects.push(effect), onRollback: (undo) => void undos.push(undo) }),
                { isolationLevel: isolation, timeout: 10_000, maxWait: 5_000 },
            );
            return { result, effects };
        } catch (error) {
            for (const undo of undos) {
                try {
                    undo();
                } catch (undoError) {
                    log.error({ err: undoError }, 'rollback hook failed');
                }
            }
            throw error;
        }
    }, maxAttempts);
    await runEffects(effects, log);
    return result;
}

/**
 * Runs a whole transaction again when the database aborted it for a serialization failure or a
 * deadlock: it rolled back, so repeating it from the start is safe.
 */
export async function retryConflicts<T>(transaction: () => Promise<T>, maxAttempts = 8): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await transaction();
        } catch (error) {
            if (attempt >= maxAttempts || !isSerializationFailure(error)) throw error;
            await sleep(backoffMs(attempt));
        }
    }
}

async function runEffects(effects: Array<() => unknown>, log: Logger): Promise<void> {
    for (const effect of effects) {
        try {
            await effect();
        } catch (error) {
            log.error({ err: error }, 'after-commit effect failed');
        }
    }
}

/** Prisma reports conflicts as P2034, or as P2010 carrying the driver's SQLSTATE for raw queries. */
export function isSerializationFailure(error: unknown): boolean {
    if (typeof error !== 'object' || error === null) return false;
    const { code, meta } = error as {
        code?: unknown;
        meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } };
    };
    return [code, meta?.code, meta?.driverAdapterError?.cause?.originalCode].some((c) => SERIALIZATION_CODES.has(String(c)));
}

/** 20-40 ms, then doubling, capped at 1 s: spreads retries of transactions that collided. */
function backoffMs(attempt: number): number {
    const base = Math.min(1_000, 20 * 2 ** (attempt - 1));
    return base + Math.random() * base;
}
