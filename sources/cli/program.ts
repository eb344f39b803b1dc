import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { backup, restore } from './backup.ts';
import { doctor, printChecks } from './doctor.ts';
import { revokeTokens } from './revokeTokens.ts';

export interface ServerCommands {
    serve(): Promise<void>;
    migrate(): Promise<void>;
}

/**
 * The `happy-server` command line (package bin, `npm run cli -- …`, the image's entrypoint).
 * Every command reads the same environment as the server. `serve` and `migrate` come from
 * main.ts, the one file that listens and handles signals.
 */
export function createProgram(server: ServerCommands, out: (line: string) => void = console.log): Command {
    const program = new Command('happy-server').description('Happy sync server and its admin commands').showHelpAfterError();
    program.command('serve', { isDefault: true }).description('run the server (the default)').action(() => server.serve());
    program.command('migrate').description('apply pending database migrations and exit').action(() => server.migrate());
    program
        .command('doctor')
        .description('check the configuration, database, Redis and blob store, and say what fails')
        .action(async () => {
            if (!printChecks(await doctor(), out)) process.exitCode = 1;
        });
    program
        .command('backup')
        .description('write a consistent backup of the database (through the running server if there is one)')
        .argument('<file>', 'where to write it (JSON lines)')
        .action(async (file: string) => out(`backup written to ${file}: ${await backup(loadConfig(), file)}`));
    program
        .command('restore')
        .description('load a backup into the configured database, which must be empty (PGlite or Postgres)')
        .argument('<file>', 'a file written by backup')
        .action(async (file: string) => {
            const rows = await restore(loadConfig(), file);
            out(`restored ${rows} rows. Tokens stay valid only with the same HANDY_MASTER_SECRET (or DATA_DIR/master-secret); files are not in the backup.`);
        });
    const accounts = program.command('accounts').description('account administration');
    accounts
        .command('revoke-tokens')
        .description("refuse every token the account holds now, on every node (a lost or compromised device)")
        .argument('<accountId>', 'the account id (as in logs and the database)')
        .action(async (accountId: string) => out(await revokeTokens(loadConfig(), accountId)));
    return program;
}
