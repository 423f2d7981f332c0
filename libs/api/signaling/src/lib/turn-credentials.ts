import { createHmac } from 'node:crypto';

export interface IceServerConfig {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * Short-lived TURN credentials in the TURN REST format (draft-uberti-behave-turn-rest, what
 * coturn's `use-auth-secret` checks): username `<expiry unix seconds>:<user>`, credential
 * base64(HMAC-SHA1(shared secret, username)).
 */
export function turnRestCredentials(
  secret: string,
  user: string,
  ttlSeconds: number,
  nowMs: number,
): { username: string; credential: string } {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** The ICE servers a client should use: STUN as configured, TURN with fresh credentials. */
export function iceServersFor(
  options: { stunUrls: string[]; turnUrls: string[]; turnSecret?: string; turnTtlSeconds: number },
  user: string,
  nowMs: number,
): IceServerConfig[] {
  const servers: IceServerConfig[] = [];
  if (options.stunUrls.length) servers.push({ urls: options.stunUrls });
  if (options.turnUrls.length && options.turnSecret) {
    servers.push({
      urls: options.turnUrls,
      ...turnRestCredentials(options.turnSecret, user, options.turnTtlSeconds, nowMs),
    });
  }
  return servers;
}
