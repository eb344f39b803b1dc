import { withContract } from '../socketAction.ts';
import type { AppSocket } from '../socketTypes.ts';

/** `ping` acks `{}` at once: the CLI uses it to flush its queue before exiting. */
export function registerPingHandlers(socket: AppSocket): void {
    socket.on(
        'ping',
        withContract({ acked: true }, (...args: unknown[]) => {
            const ack = args[args.length - 1];
            if (typeof ack === 'function') ack({});
        }),
    );
}
