import { createHmac } from 'node:crypto';

import { iceServersFor, turnRestCredentials } from './turn-credentials';

describe('TURN REST credentials', () => {
  it('uses expiry:user as username and base64 HMAC-SHA1 of it as credential (coturn use-auth-secret)', () => {
    const { username, credential } = turnRestCredentials(
      's3cret',
      'alice',
      3600,
      1_700_000_000_000,
    );
    expect(username).toBe('1700003600:alice');
    expect(credential).toBe(
      createHmac('sha1', 's3cret').update('1700003600:alice').digest('base64'),
    );
    // A known vector: HMAC-SHA1("s3cret", "1700003600:alice").
    expect(credential).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  it('lists STUN as configured and TURN only with a secret', () => {
    const base = {
      stunUrls: ['stun:stun.example.com:3478'],
      turnUrls: ['turn:turn.example.com:3478?transport=udp'],
      turnTtlSeconds: 600,
    };
    expect(iceServersFor(base, 'u', 0)).toEqual([{ urls: ['stun:stun.example.com:3478'] }]);
    const withTurn = iceServersFor({ ...base, turnSecret: 'k' }, 'u', 0);
    expect(withTurn[1]).toMatchObject({
      urls: ['turn:turn.example.com:3478?transport=udp'],
      username: '600:u',
    });
  });
});
