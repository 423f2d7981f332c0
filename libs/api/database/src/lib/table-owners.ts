/**
 * Who owns which table: the one lib whose repositories hold the table's SQL. Other libs call that
 * lib's services. The README's "Who owns which table" lists the same (table-owners.spec.ts checks
 * both, and that no lib's SQL names another lib's table).
 */
export const TABLE_OWNERS: Readonly<Record<string, string>> = {
  users: 'auth',
  auth_sessions: 'auth',
  refresh_tokens: 'auth',
  personal_access_tokens: 'auth',
  streams: 'streams',
  categories: 'streams',
  stream_thumbnails: 'streams',
  stream_viewers: 'viewers',
  stream_viewer_samples: 'viewers',
  api_instances: 'viewers',
  chat_messages: 'chat',
  chat_settings: 'chat',
  chat_bans: 'chat',
  chat_moderation_actions: 'chat',
  accounts: 'tips',
  transfers: 'tips',
  ledger_entries: 'tips',
  tips: 'tips',
  wallet_credits: 'tips',
  wallet_payouts: 'tips',
  wallet_reinstatements: 'tips',
  wallet_reversals: 'tips',
  deposits: 'payments',
  payment_events: 'payments',
  payouts: 'payments',
  payout_accounts: 'payments',
  follows: 'social',
  notifications: 'social',
  web_push_subscriptions: 'social',
  web_push_vapid: 'social',
  webhooks: 'webhooks',
  webhook_deliveries: 'webhooks',
  stream_keys: 'signaling',
  recordings: 'signaling',
  clips: 'signaling',
  oauth_apps: 'oauth',
  oauth_provider_records: 'oauth',
};

/**
 * Read-only queries that read other libs' tables in the database, each with its reason (file
 * relative to the repository root, table read): reporting joins, and the ledger function that
 * checks a tip's stream in the tip's own statement.
 */
export const REPORTING_READS: readonly { file: string; table: string; why: string }[] = [
  {
    file: 'libs/api/stats/src/lib/stats.repository.ts',
    table: 'streams',
    why: 'the platform ranking of streamers groups streams with their viewing sessions',
  },
  {
    file: 'libs/api/stats/src/lib/stats.repository.ts',
    table: 'stream_viewers',
    why: 'the platform ranking of streamers groups streams with their viewing sessions',
  },
  {
    file: 'libs/api/tips/src/lib/ledger-functions.ts',
    table: 'streams',
    why: "finserve_send_tip reads the stream's streamer and status FOR SHARE in the tip's one statement, so a stream cannot end between the check and the money moving",
  },
];
