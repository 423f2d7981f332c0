import type { NotificationItemFragment } from './graphql.generated';

/** What a notification says, in the user's language (the amount formatted by the caller). */
export function notificationText(n: NotificationItemFragment, amount: string): string {
  const who = n.actor?.displayName ?? $localize`:@@social.someone:Someone`;
  const title = n.stream?.title ?? '';
  switch (n.type) {
    case 'STREAM_LIVE':
      return $localize`:@@social.text.live:${who}:who: is live: ${title}:title:`;
    case 'STREAM_SCHEDULED':
      return $localize`:@@social.text.scheduled:${who}:who: scheduled ${title}:title:`;
    case 'NEW_FOLLOWER':
      return $localize`:@@social.text.follower:${who}:who: follows you`;
    case 'TIP_RECEIVED':
      return $localize`:@@social.text.tip:${who}:who: tipped you ${amount}:amount:`;
    case 'CLIP_CREATED':
      return $localize`:@@social.text.clip:${who}:who: clipped your stream: ${n.clip?.title ?? title}:title:`;
  }
}

/** Where a notification leads: the stream, the clip, or the follower's channel. */
export function notificationLink(n: NotificationItemFragment): string {
  if (n.type === 'CLIP_CREATED' && n.clip) return `/clips/${n.clip.id}`;
  if (n.type === 'NEW_FOLLOWER' && n.actor) return `/c/${n.actor.username}`;
  if (n.stream) return `/streams/${n.stream.id}`;
  return '/';
}

/** The material symbol of each type. */
export function notificationIcon(n: NotificationItemFragment): string {
  return {
    STREAM_LIVE: 'sensors',
    STREAM_SCHEDULED: 'event',
    NEW_FOLLOWER: 'person_add',
    TIP_RECEIVED: 'payments',
    CLIP_CREATED: 'movie',
  }[n.type];
}
