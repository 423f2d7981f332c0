import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The provider's models whose ids are bearer tokens accepted by the API. */
export const ACCESS_TOKEN_MODELS = ['AccessToken', 'ClientCredentials'] as const;

/** What oidc-provider hands its adapter: a model's payload (a JSON object). */
export type ProviderPayload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  clientId?: string;
  accountId?: string;
  consumed?: unknown;
};

/** An access token that was removed: whose it was (user, or the app for client credentials). */
export interface RemovedToken {
  id: string;
  clientId: string | null;
  accountId: string | null;
}

interface TokenRow {
  id: string;
  client_id: string | null;
  account_id: string | null;
}

const toRemoved = (rows: TokenRow[]): RemovedToken[] =>
  rows.map((row) => ({ id: row.id, clientId: row.client_id, accountId: row.account_id }));

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Whether a value taken from a request (a code, a token) can be an id here at all: what cannot
 * (too long, a NUL PostgreSQL would refuse) is simply not found, never a database error.
 */
const lookable = (value: string): boolean => value.length <= 255 && !value.includes('\u0000');

/**
 * The authorization server's storage (table oauth_provider_records, owned here): every model
 * oidc-provider persists, one row per model and id. PostgreSQL rather than Redis: the API always
 * has it (Redis is optional), tokens and grants survive a restart, and revocation checks read the
 * same database as personal access tokens and sessions.
 */
@Injectable()
export class OAuthRecordsRepository {
  constructor(private readonly db: DataSource) {}

  async upsert(
    model: string,
    id: string,
    payload: ProviderPayload,
    expiresInSeconds: number | undefined,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO oauth_provider_records
              (model, id, payload, grant_id, uid, user_code, client_id, account_id, expires_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8,
               CASE WHEN $9::int IS NULL THEN NULL ELSE now() + make_interval(secs => $9::int) END)
       ON CONFLICT (model, id) DO UPDATE
          SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
              user_code = EXCLUDED.user_code, client_id = EXCLUDED.client_id,
              account_id = EXCLUDED.account_id, expires_at = EXCLUDED.expires_at`,
      [
        model,
        id,
        JSON.stringify(payload),
        text(payload.grantId),
        text(payload.uid),
        text(payload.userCode),
        text(payload.clientId),
        text(payload.accountId),
        expiresInSeconds ?? null,
      ],
    );
  }

  /** A live record's payload (consumed ones carry `consumed`, as the provider expects). */
  async find(
    model: string,
    where: { id?: string; uid?: string; userCode?: string },
  ): Promise<ProviderPayload | undefined> {
    const [column, value] =
      where.id !== undefined
        ? ['id', where.id]
        : where.uid !== undefined
          ? ['uid', where.uid]
          : ['user_code', where.userCode];
    if (value === undefined || !lookable(value)) return undefined;
    const rows = await this.db.query<{ payload: ProviderPayload; consumed: number | null }[]>(
      `SELECT payload, extract(epoch FROM consumed_at)::int AS consumed
         FROM oauth_provider_records
        WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [model, value],
    );
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed === null ? row.payload : { ...row.payload, consumed: row.consumed };
  }

  async consume(model: string, id: string): Promise<void> {
    if (!lookable(id)) return;
    await this.db.query(
      `UPDATE oauth_provider_records SET consumed_at = now()
        WHERE model = $1 AND id = $2 AND consumed_at IS NULL`,
      [model, id],
    );
  }

  /** Removes a record; the access tokens among what was removed are returned. */
  async destroy(model: string, id: string): Promise<RemovedToken[]> {
    if (!lookable(id)) return [];
    return toRemoved(
      await this.db.query<TokenRow[]>(
        `WITH gone AS (DELETE FROM oauth_provider_records WHERE model = $1 AND id = $2
                       RETURNING model, id, client_id, account_id)
         SELECT id, client_id, account_id FROM gone WHERE model = ANY($3::text[])`,
        [model, id, ACCESS_TOKEN_MODELS],
      ),
    );
  }

  /** Removes a model's records of a grant (a revoked grant or token, a reused refresh token). */
  async revokeByGrantId(model: string, grantId: string): Promise<RemovedToken[]> {
    if (!lookable(grantId)) return [];
    return toRemoved(
      await this.db.query<TokenRow[]>(
        `WITH gone AS (DELETE FROM oauth_provider_records WHERE model = $1 AND grant_id = $2
                       RETURNING model, id, client_id, account_id)
         SELECT id, client_id, account_id FROM gone WHERE model = ANY($3::text[])`,
        [model, grantId, ACCESS_TOKEN_MODELS],
      ),
    );
  }

  /** Removes everything issued to a client (its app was deleted). */
  async revokeByClient(clientId: string): Promise<RemovedToken[]> {
    return toRemoved(
      await this.db.query<TokenRow[]>(
        `WITH gone AS (DELETE FROM oauth_provider_records WHERE client_id = $1
                       RETURNING model, id, client_id, account_id)
         SELECT id, client_id, account_id FROM gone WHERE model = ANY($2::text[])`,
        [clientId, ACCESS_TOKEN_MODELS],
      ),
    );
  }

  /** A live access token (user or app-only) by its value: its client, user and scopes. */
  async accessToken(token: string): Promise<
    | {
        id: string;
        model: (typeof ACCESS_TOKEN_MODELS)[number];
        clientId: string;
        accountId: string | null;
        scope: string;
        expiresAt: Date | null;
      }
    | undefined
  > {
    if (!lookable(token)) return undefined;
    const rows = await this.db.query<
      {
        id: string;
        model: (typeof ACCESS_TOKEN_MODELS)[number];
        client_id: string | null;
        account_id: string | null;
        scope: string | null;
        expires_at: Date | null;
      }[]
    >(
      `SELECT id, model, client_id, account_id, payload->>'scope' AS scope, expires_at
         FROM oauth_provider_records
        WHERE model = ANY($1::text[]) AND id = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [ACCESS_TOKEN_MODELS, token],
    );
    const row = rows[0];
    if (!row?.client_id) return undefined;
    return {
      id: row.id,
      model: row.model,
      clientId: row.client_id,
      accountId: row.account_id,
      scope: row.scope ?? '',
      expiresAt: row.expires_at,
    };
  }

  /** Of these access-token ids, the live ones with their client and user. */
  async liveTokens(ids: readonly string[]): Promise<RemovedToken[]> {
    const wanted = ids.filter(lookable);
    return toRemoved(
      await this.db.query<TokenRow[]>(
        `SELECT id, client_id, account_id FROM oauth_provider_records
          WHERE model = ANY($1::text[]) AND id = ANY($2::text[])
            AND (expires_at IS NULL OR expires_at > now())`,
        [ACCESS_TOKEN_MODELS, wanted],
      ),
    );
  }

  /** Deletes records expired for a while (the provider never reads them again). */
  async sweepExpired(): Promise<void> {
    await this.db.query(
      `DELETE FROM oauth_provider_records WHERE expires_at < now() - interval '1 hour'`,
    );
  }
}
