import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpdateOrder } from '../../sources/events/updateOrder.ts';

/** What reached the wire, in order, and what the order complained about. */
function harness() {
    const sent: string[] = [];
    const stale: string[] = [];
    const order = new UpdateOrder((userId, problem) => stale.push(`${userId}: ${problem}`));
    const emit = (label: string) => () => void sent.push(label);
    return { order, sent, stale, emit };
}

describe('UpdateOrder: per-account update order on one node', () => {
    afterEach(() => {
        vi.useRealTimers();
    });

    it('sends a lower seq first even when its transaction finishes last', () => {
        const { order, sent, emit } = harness();
        const first = order.reserve('a', 1);
        const second = order.reserve('a', 2);
        second.send(emit('a2'));
        expect(sent).toEqual([]);
        first.send(emit('a1'));
        expect(sent).toEqual(['a1', 'a2']);
    });

    it('lets a later seq go once the lower one is cancelled, and keeps accounts apart', () => {
        const { order, sent, emit } = harness();
        const rolledBack = order.reserve('a', 5);
        order.reserve('a', 6).send(emit('a6'));
        order.reserve('b', 1).send(emit('b1'));
        expect(sent).toEqual(['b1']);
        rolledBack.cancel();
        expect(sent).toEqual(['b1', 'a6']);
        // The cancelled seq is taken again by the next writer, as a rolled-back counter is.
        order.reserve('a', 5).send(emit('a5 again'));
        expect(sent).toEqual(['b1', 'a6', 'a5 again']);
    });

    it('holds seqs that a statement in flight might undercut until it is released', () => {
        const { order, sent, emit } = harness();
        order.reserve('a', 3).send(emit('a3'));
        const batch = order.hold('a');
        // Known before the hold: the batch can only take seqs above 3, so 3 went out already.
        // Reserved after it: the batch may have taken 4 first, so 5 waits.
        const later = order.reserve('a', 5);
        later.send(emit('a5'));
        expect(sent).toEqual(['a3']);
        order.reserve('a', 4).send(emit('a4 from the batch'));
        expect(sent).toEqual(['a3']);
        batch.release();
        expect(sent).toEqual(['a3', 'a4 from the batch', 'a5']);
    });

    it('does not hold a seq that was known before the hold was placed', () => {
        const { order, sent, emit } = harness();
        const known = order.reserve('a', 7);
        const batch = order.hold('a');
        known.send(emit('a7'));
        expect(sent).toEqual(['a7']);
        batch.release();
    });

    it('drops a reservation or hold that was never settled, so the account does not stall', () => {
        vi.useFakeTimers();
        const { order, sent, stale, emit } = harness();
        order.reserve('a', 1);
        order.hold('a');
        vi.advanceTimersByTime(31_000);
        order.reserve('a', 2).send(emit('a2'));
        expect(sent).toEqual(['a2']);
        expect(stale).toEqual([
            'a: update seq 1 was reserved but never sent nor cancelled',
            'a: an update hold was never released',
        ]);
    });
});
