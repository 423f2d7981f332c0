import type { NotificationItemFragment } from './graphql.generated';
import { notificationIcon, notificationLink, notificationText } from './notification-text';

const base: NotificationItemFragment = {
  id: 'n1',
  type: 'STREAM_LIVE',
  read: false,
  createdAt: '2026-11-28T10:00:00.000Z',
  actor: { id: 'u1', username: 'ada', displayName: 'Ada' },
  stream: { id: 's1', title: 'EUR/USD London open' },
  tip: null,
  clip: null,
};

describe('notification text and links', () => {
  it('says who went live with what, and leads to the stream', () => {
    expect(notificationText(base, '')).toBe('Ada is live: EUR/USD London open');
    expect(notificationLink(base)).toBe('/streams/s1');
    expect(notificationIcon(base)).toBe('sensors');
  });

  it('names the tipper and the amount, and leads to the stream', () => {
    const tip = {
      ...base,
      type: 'TIP_RECEIVED' as const,
      tip: { id: 't1', amountCents: 500, currency: 'USD' },
    };
    expect(notificationText(tip, '$5.00')).toBe('Ada tipped you $5.00');
    expect(notificationLink(tip)).toBe('/streams/s1');
  });

  it('leads a clip to the clip, a follower to their channel', () => {
    const clip = {
      ...base,
      type: 'CLIP_CREATED' as const,
      clip: { id: 'c1', title: 'The breakout' },
    };
    expect(notificationText(clip, '')).toBe('Ada clipped your stream: The breakout');
    expect(notificationLink(clip)).toBe('/clips/c1');
    const follower = { ...base, type: 'NEW_FOLLOWER' as const, stream: null };
    expect(notificationText(follower, '')).toBe('Ada follows you');
    expect(notificationLink(follower)).toBe('/c/ada');
  });

  it('says "Someone" when the actor is gone, and a scheduled stream by its title', () => {
    const scheduled = { ...base, type: 'STREAM_SCHEDULED' as const, actor: null };
    expect(notificationText(scheduled, '')).toBe('Someone scheduled EUR/USD London open');
    expect(notificationLink(scheduled)).toBe('/streams/s1');
  });
});
