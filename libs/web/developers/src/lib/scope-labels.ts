import type { Scope } from '@finserve/shared';

/** What each scope lets a token do, as the user reads it. */
export function scopeDescription(scope: Scope): string {
  switch (scope) {
    case 'profile:read':
      return $localize`:@@developers.scope.profileRead:Read your profile, follows and followed streams`;
    case 'chat:write':
      return $localize`:@@developers.scope.chatWrite:Send chat messages as you`;
    case 'chat:moderate':
      return $localize`:@@developers.scope.chatModerate:Moderate chats you moderate (delete, time out, ban, settings)`;
    case 'streams:write':
      return $localize`:@@developers.scope.streamsWrite:Create, start, edit and end your streams; make clips`;
    case 'tips:read':
      return $localize`:@@developers.scope.tipsRead:Read the tips you sent and received`;
    case 'wallet:read':
      return $localize`:@@developers.scope.walletRead:Read your wallet balances and deposits`;
    case 'notifications:read':
      return $localize`:@@developers.scope.notificationsRead:Read your notifications and mark them read`;
    case 'webhooks:manage':
      return $localize`:@@developers.scope.webhooksManage:Manage your webhooks`;
  }
}
