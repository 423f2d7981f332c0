import { jest } from '@jest/globals';

import { Role } from '@finserve/shared';

import {
  canDeleteClip,
  clipErrorMessage,
  clipPageUrl,
  clipRange,
  roleOfToken,
  shareLink,
} from './clip-logic';

describe('clipRange', () => {
  it('clips the last N seconds of a live stream: no start, the server cuts up to now', () => {
    expect(clipRange(true, 15, 123)).toEqual({ durationSeconds: 15 });
    expect(clipRange(true, 90)).toEqual({ durationSeconds: 90 });
  });

  it('keeps the length within what the server takes (5..90 s, whole seconds)', () => {
    expect(clipRange(true, 2)).toEqual({ durationSeconds: 5 });
    expect(clipRange(true, 300)).toEqual({ durationSeconds: 90 });
    expect(clipRange(true, 29.6)).toEqual({ durationSeconds: 30 });
  });

  it('clips a replay from the player position', () => {
    expect(clipRange(false, 30, 42.37, 600)).toEqual({ startSeconds: 42.3, durationSeconds: 30 });
    expect(clipRange(false, 30, 0, 600)).toEqual({ startSeconds: 0, durationSeconds: 30 });
  });

  it('moves a replay clip back so that it ends with the recording', () => {
    expect(clipRange(false, 30, 590, 600)).toEqual({ startSeconds: 570, durationSeconds: 30 });
    expect(clipRange(false, 30, 600, 600.5)).toEqual({ startSeconds: 570.5, durationSeconds: 30 });
  });

  it('shortens the clip to a recording shorter than the length asked for', () => {
    expect(clipRange(false, 30, 12, 20.8)).toEqual({ startSeconds: 0.8, durationSeconds: 20 });
  });

  it('refuses a recording too short to clip, and treats a bad position as the start', () => {
    expect(clipRange(false, 30, 0, 4)).toBeNull();
    expect(clipRange(false, 30, Number.NaN, 100)).toEqual({ startSeconds: 0, durationSeconds: 30 });
    expect(clipRange(false, 30, -3, 100)).toEqual({ startSeconds: 0, durationSeconds: 30 });
  });
});

describe('clipPageUrl', () => {
  it('is the app origin plus /clips/<id>', () => {
    expect(clipPageUrl('https://live.example.com', 'c1')).toBe('https://live.example.com/clips/c1');
    expect(clipPageUrl('http://127.0.0.1:3000/', 'c1')).toBe('http://127.0.0.1:3000/clips/c1');
  });

  it('escapes what is not a path segment', () => {
    expect(clipPageUrl('https://x.test', 'a/b?c')).toBe('https://x.test/clips/a%2Fb%3Fc');
  });
});

describe('canDeleteClip', () => {
  const clip = { author: { id: 'author' }, stream: { streamer: { id: 'streamer' } } };

  it('offers Delete to the author, the streamer and admins only', () => {
    expect(canDeleteClip({ id: 'author', role: Role.USER }, clip)).toBe(true);
    expect(canDeleteClip({ id: 'streamer', role: Role.USER }, clip)).toBe(true);
    expect(canDeleteClip({ id: 'admin', role: Role.ADMIN }, clip)).toBe(true);
    expect(canDeleteClip({ id: 'someone', role: Role.USER }, clip)).toBe(false);
    expect(canDeleteClip({ id: 'someone', role: null }, clip)).toBe(false);
    expect(canDeleteClip(null, clip)).toBe(false);
  });
});

describe('roleOfToken', () => {
  const token = (claims: object) =>
    `h.${btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.s`;

  it('reads the role claim of an access token', () => {
    expect(roleOfToken(token({ sub: 'u', role: 'ADMIN' }))).toBe(Role.ADMIN);
    expect(roleOfToken(token({ sub: 'u', role: 'USER' }))).toBe(Role.USER);
  });

  it('is null for no token, an unreadable one or an unknown role', () => {
    expect(roleOfToken(null)).toBeNull();
    expect(roleOfToken('not a jwt')).toBeNull();
    expect(roleOfToken('h.!!!.s')).toBeNull();
    expect(roleOfToken(token({ role: 'ROOT' }))).toBeNull();
  });
});

describe('clipErrorMessage', () => {
  it('says when to try again when rate limited', () => {
    expect(
      clipErrorMessage({ code: 'RATE_LIMITED', message: 'x', retryAfterSeconds: 7 }, true),
    ).toBe('You can make 5 clips a minute: try again in 7 s.');
  });

  it('explains a refused clip by what was clipped', () => {
    const refused = { code: 'BAD_USER_INPUT', message: 'Please check what you entered.' };
    expect(clipErrorMessage(refused, true)).toBe(
      'This live stream cannot be clipped yet. Try again in a few seconds.',
    );
    expect(clipErrorMessage(refused, false)).toBe(
      'The clip must end within the replay: pick an earlier moment.',
    );
  });

  it('keeps the generic message otherwise', () => {
    expect(clipErrorMessage({ code: 'NETWORK', message: 'Cannot reach the server.' }, true)).toBe(
      'Cannot reach the server.',
    );
  });
});

describe('shareLink', () => {
  const data = { url: 'https://x.test/clips/c1', title: 'Nice trade' };

  it('uses the Web Share API when the browser has it', async () => {
    const share = jest.fn((_: ShareData) => Promise.resolve());
    const copy = jest.fn(() => true);
    expect(await shareLink({ share }, data, copy)).toBe('shared');
    expect(share).toHaveBeenCalledWith(data);
    expect(copy).not.toHaveBeenCalled();
  });

  it('copies the link when there is no Web Share API, or it cannot share this', async () => {
    const copy = jest.fn(() => true);
    expect(await shareLink({}, data, copy)).toBe('copied');
    expect(await shareLink(undefined, data, copy)).toBe('copied');
    const share = jest.fn(() => Promise.resolve());
    expect(await shareLink({ share, canShare: () => false }, data, copy)).toBe('copied');
    expect(share).not.toHaveBeenCalled();
    expect(copy).toHaveBeenCalledWith(data.url);
  });

  it('does nothing more when the user cancels the share sheet', async () => {
    const share = () => Promise.reject(new DOMException('cancelled', 'AbortError'));
    const copy = jest.fn(() => true);
    expect(await shareLink({ share }, data, copy)).toBe('cancelled');
    expect(copy).not.toHaveBeenCalled();
  });

  it('falls back to the clipboard when sharing fails, and says when that fails too', async () => {
    const share = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    expect(await shareLink({ share }, data, () => true)).toBe('copied');
    expect(await shareLink({ share }, data, () => false)).toBe('failed');
  });
});
