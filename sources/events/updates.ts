import { randomInt } from 'node:crypto';

/**
 * Bodies of the persistent `update` event and the `ephemeral` payloads, with the exact field
 * names and key order of spec realtime.md §6. Optional keys are left out (never null) where the
 * spec says "omitted".
 */

export interface MessageView {
    id: string;
    seq: number;
    content: unknown;
    localId: string | null;
    createdAt: number;
    updatedAt: number;
}

export interface SessionView {
    id: string;
    seq: number;
    metadata: string;
    metadataVersion: number;
    agentState: string | null;
    agentStateVersion: number;
    dataEncryptionKey: string | null;
    active: boolean;
    activeAt: number;
    createdAt: number;
    updatedAt: number;
}

export interface MachineView {
    id: string;
    metadata: string;
    metadataVersion: number;
    daemonState: string | null;
    daemonStateVersion: number;
    dataEncryptionKey: string | null;
    seq: number;
    active: boolean;
    activeAt: number;
    createdAt: number;
    updatedAt: number;
}

export type Versioned<T> = { value: T; version: number };

/** An artifact as `new-artifact` carries it: bytes as base64, versions start at 1, `seq` at 0. */
export interface ArtifactView {
    id: string;
    header: string;
    headerVersion: number;
    body: string;
    bodyVersion: number;
    dataEncryptionKey: string;
    seq: number;
    createdAt: number;
    updatedAt: number;
}

/** A stored image with the public URL of its file (`avatar` of profiles and `update-account`). */
export interface ImageView {
    path: string;
    width?: number;
    height?: number;
    thumbhash?: string;
    url: string;
}

export type FeedBody =
    | { kind: 'friend_request'; uid: string }
    | { kind: 'friend_accepted'; uid: string }
    | { kind: 'text'; text: string };

/** Only the changed keys are present (spec realtime.md §6.2 `update-account`). */
export interface AccountChanges {
    settings?: Versioned<string | null>;
    github?: unknown;
    username?: string | null;
    firstName?: string | null;
    lastName?: string | null;
    avatar?: ImageView | null;
}

export type UpdateBody =
    | { t: 'new-message'; sid: string; message: MessageView }
    | ({ t: 'new-session' } & SessionView)
    | { t: 'update-session'; id: string; metadata?: Versioned<string>; agentState?: Versioned<string | null> }
    | { t: 'delete-session'; sid: string }
    | ({ t: 'new-machine'; machineId: string } & Omit<MachineView, 'id'>)
    | { t: 'update-machine'; machineId: string; metadata?: Versioned<string>; daemonState?: Versioned<string> }
    | { t: 'delete-machine'; machineId: string }
    | ({ t: 'new-artifact'; artifactId: string } & Omit<ArtifactView, 'id'>)
    | { t: 'update-artifact'; artifactId: string; header?: Versioned<string>; body?: Versioned<string> }
    | { t: 'delete-artifact'; artifactId: string }
    | ({ t: 'update-account'; id: string } & AccountChanges)
    | { t: 'kv-batch-update'; changes: Array<{ key: string; value: string | null; version: number }> }
    // `repeatKey` is not in upstream's body, but the app's schema requires the key (spec
    // realtime.md §13.5) and drops the update without it; other clients ignore extra keys.
    | { t: 'new-feed-post'; id: string; body: FeedBody; cursor: string; createdAt: number; repeatKey: string | null };

export interface UpdateEnvelope {
    id: string;
    seq: number;
    body: UpdateBody;
    createdAt: number;
}

export type EphemeralPayload =
    | { type: 'activity'; id: string; active: boolean; activeAt: number; thinking: boolean }
    | { type: 'machine-activity'; id: string; active: boolean; activeAt: number }
    // Workers-only (spec workers.md §1.3, §1.12): a daemon's socket opened or closed, for native apps.
    | { type: 'machine-status'; machineId: string; online: boolean; timestamp: number }
    | {
          type: 'usage';
          id: string;
          key: string;
          tokens: Record<string, number>;
          cost: Record<string, number>;
          timestamp: number;
      }
    | { type: 'session-event'; sessionId: string; kind: SessionEventKind; title: string; body: string; timestamp: number };

/** What a session tells its user about (POST /v1/sessions/:sessionId/push-event). */
export type SessionEventKind = 'done' | 'permission' | 'question';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 12 random alphanumerics, like upstream's update ids. */
export function updateId(): string {
    let id = '';
    for (let i = 0; i < 12; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
    return id;
}

export function envelope(seq: number, body: UpdateBody): UpdateEnvelope {
    return { id: updateId(), seq, body, createdAt: Date.now() };
}

export function newSessionBody(session: SessionView): UpdateBody {
    return {
        t: 'new-session',
        id: session.id,
        seq: session.seq,
        metadata: session.metadata,
        metadataVersion: session.metadataVersion,
        agentState: session.agentState,
        agentStateVersion: session.agentStateVersion,
        dataEncryptionKey: session.dataEncryptionKey,
        active: session.active,
        activeAt: session.activeAt,
        createdAt: session.createdAt,
        updatedAt: session.updatedAt,
    };
}

export function newMachineBody(machine: MachineView): UpdateBody {
    return {
        t: 'new-machine',
        machineId: machine.id,
        seq: machine.seq,
        metadata: machine.metadata,
        metadataVersion: machine.metadataVersion,
        daemonState: machine.daemonState,
        daemonStateVersion: machine.daemonStateVersion,
        dataEncryptionKey: machine.dataEncryptionKey,
        active: machine.active,
        activeAt: machine.activeAt,
        createdAt: machine.createdAt,
        updatedAt: machine.updatedAt,
    };
}
