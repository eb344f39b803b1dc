/**
 * Sends each account's `update` events in update-seq order, whatever order the transactions that
 * took the seqs finish in on this node.
 *
 * A seq is taken under the account row's lock, held until commit, so seqs commit in order; but
 * each writer then finishes on its own (a Prisma transaction resolving, a query result arriving),
 * and a later seq's writer can get to its emit first. Writers therefore announce what they take:
 * - a writer whose seq is known before commit (an interactive transaction) reserves it, then
 *   sends its update after commit or cancels the reservation on rollback;
 * - a writer that learns its seqs only with the result of its statement (the message appender)
 *   holds the account first, and reserves and sends once the result is in.
 * An update goes out once every lower seq reserved here is sent or cancelled, and every hold that
 * could still turn out lower has been released. A hold placed after seq `s` was known cannot end
 * up below `s` (its statement can take the lock only after `s` committed), so each update waits
 * only for holds placed before its seq was known: a finite set, however busy the account.
 *
 * Order is per node: updates emitted by other nodes travel through Redis on their own.
 */

export interface UpdateTicket {
    /** Sends the update when its turn comes (right away when nothing lower is outstanding). */
    send(emit: () => void): void;
    /** The transaction rolled back: the seq was never used. */
    cancel(): void;
}

export interface UpdateHold {
    /** Call after reserving (and sending) every seq the held write took. */
    release(): void;
}

/** An outstanding entry older than this is a bug (transactions time out after 10 s): dropped, logged. */
const STALE_MS = 30_000;

interface Reservation {
    seq: number;
    emit: (() => void) | null;
    since: number;
}

interface Hold {
    /** Every seq this hold's write takes is above this. */
    above: number;
    since: number;
}

class AccountOrder {
    /** Reserved seqs not yet sent, ascending. */
    readonly pending: Reservation[] = [];
    readonly holds = new Set<Hold>();
    highestKnown = 0;

    get idle(): boolean {
        return this.pending.length === 0 && this.holds.size === 0;
    }
}

export class UpdateOrder {
    private readonly accounts = new Map<string, AccountOrder>();

    constructor(private readonly onStale: (userId: string, what: string) => void) {}

    reserve(userId: string, seq: number): UpdateTicket {
        const account = this.account(userId);
        const reservation: Reservation = { seq, emit: null, since: Date.now() };
        const at = account.pending.findIndex((other) => other.seq > seq);
        account.pending.splice(at < 0 ? account.pending.length : at, 0, reservation);
        account.highestKnown = Math.max(account.highestKnown, seq);
        return {
            send: (emit) => {
                reservation.emit = emit;
                this.flush(userId, account);
            },
            cancel: () => {
                const index = account.pending.indexOf(reservation);
                if (index >= 0) account.pending.splice(index, 1);
                this.flush(userId, account);
            },
        };
    }

    hold(userId: string): UpdateHold {
        const account = this.account(userId);
        const hold: Hold = { above: account.highestKnown, since: Date.now() };
        account.holds.add(hold);
        return {
            release: () => {
                account.holds.delete(hold);
                this.flush(userId, account);
            },
        };
    }

    private account(userId: string): AccountOrder {
        let account = this.accounts.get(userId);
        if (!account) {
            account = new AccountOrder();
            this.accounts.set(userId, account);
        }
        return account;
    }

    private flush(userId: string, account: AccountOrder): void {
        this.dropStale(userId, account);
        for (;;) {
            const next = account.pending[0];
            if (!next?.emit) break;
            if (heldBelow(account.holds, next.seq)) break;
            account.pending.shift();
            next.emit();
        }
        if (account.idle) this.accounts.delete(userId);
    }

    /** Forgets entries a bug left behind, so that one account's updates cannot stall for good. */
    private dropStale(userId: string, account: AccountOrder): void {
        const cutoff = Date.now() - STALE_MS;
        const head = account.pending[0];
        if (head && !head.emit && head.since < cutoff) {
            account.pending.shift();
            this.onStale(userId, `update seq ${head.seq} was reserved but never sent nor cancelled`);
        }
        for (const hold of account.holds) {
            if (hold.since >= cutoff) continue;
            account.holds.delete(hold);
            this.onStale(userId, 'an update hold was never released');
        }
    }
}

/** Whether a write still in flight could take a seq below `seq`. */
function heldBelow(holds: Set<Hold>, seq: number): boolean {
    for (const hold of holds) if (hold.above < seq) return true;
    return false;
}
