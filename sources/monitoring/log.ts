import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. Anything that could carry a credential is redacted at the source, so a
 * careless `log.info({ req })` cannot leak a bearer token (upstream logged them, spec rest.md §7.5).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
    return pino(
        {
            level,
            base: { service: 'happy-server' },
            redact: {
                paths: [
                    'req.headers.authorization',
                    'headers.authorization',
                    'authorization',
                    'token',
                    '*.token',
                    'auth.token',
                    'signature',
                    'challenge',
                ],
                censor: '[redacted]',
            },
        },
        destination,
    );
}
