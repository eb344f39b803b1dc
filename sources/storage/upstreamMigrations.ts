/**
 * The migration folders of the upstream server (spec/storage.md §1.4). A database on which all of
 * them are recorded already has exactly our baseline schema, so it is adopted without running it.
 */
export const UPSTREAM_MIGRATIONS = [
    '20250713002718_initial',
    '20250713004156_add_sessions',
    '20250713032124_add_tag_to_session',
    '20250714030924_add_session_metadata',
    '20250714032124_session_timeouts',
    '20250715012822_add_metadata_version_agent_state',
    '20250718031550_add_local_id_to_session_message',
    '20250718032748_add_push_token',
    '20250719042829_add_terminal_auth_request',
    '20250719061508_add_response_account',
    '20250721073743_add_usage_report',
    '20250726092110_remove_updates',
    '20250726205102_add_settings_to_account',
    '20250726205206_add_account_settings_version',
    '20250812092041_add_machine_model',
    '20250816171155_add_app_to_app_authentication',
    '20250818044258_add_daemon_state_to_machine',
    '20250820051609_add_session_id_seq_index',
    '20250820052449_add_session_sort',
    '20250827015520_add_github_entities',
    '20250827044624_add_user_profile_fields',
    '20250827045037_add_reuse_key_to_file',
    '20250827051355_add_image_parameters',
    '20250901205028_add_service_account_tokens',
    '20250908050408_add_data_encryption_key',
    '20250908052114_add_machine_data_encryption_key',
    '20250911030241_add_version2_field',
    '20250917052000_add_artefacts',
    '20250917055002_add_access_key',
    '20250918045344_add_friendships',
    '20250919021354_fix_relationship_status',
    '20250920025406_add_username',
    '20250920035415_make_github_user_id_unique',
    '20250920213557_add_user_feed',
    '20250920215413_add_last_notified_at',
    '20250922000310_add_user_kv',
    '20260407053500_add_voice_conversation',
] as const;

/** Our migration that creates everything the upstream migrations above create. */
export const BASELINE_MIGRATION = '20261122000000_baseline';
