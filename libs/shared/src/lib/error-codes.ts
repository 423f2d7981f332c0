/**
 * The `extensions.code` values of the public contract (../shared/contract/schema.graphql).
 * Every GraphQL error the API returns carries one of them; clients switch on these, never on
 * messages. INTERNAL_SERVER_ERROR is added for unexpected faults (details are never sent).
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  INSUFFICIENT_FUNDS = 'INSUFFICIENT_FUNDS',
  RATE_LIMITED = 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** The WebSocket close code graphql-ws uses, and the contract promises, for a refused token. */
export const WS_CLOSE_FORBIDDEN = 4403;
