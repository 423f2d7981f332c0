// Every migration, oldest first. The API bundle and the db CLI take them from here; a test checks
// that each file of this folder is listed.
import { CreateUsers1764000000000 } from './1764000000000-CreateUsers';
import { CreateStreamsAndViewers1764100000000 } from './1764100000000-CreateStreamsAndViewers';
import { CreateChat1764200000000 } from './1764200000000-CreateChat';
import { CreateLedgerAndTips1764300000000 } from './1764300000000-CreateLedgerAndTips';
import { CreateStreamKeys1764400000000 } from './1764400000000-CreateStreamKeys';
import { CreateRecordings1764500000000 } from './1764500000000-CreateRecordings';
import { CreateAuthSessionsAndUserBans1764650000000 } from './1764650000000-CreateAuthSessionsAndUserBans';
import { AddUpcomingStreamsIndex1764700000000 } from './1764700000000-AddUpcomingStreamsIndex';
import { AddStreamThumbnails1764800000000 } from './1764800000000-AddStreamThumbnails';
import { CreateClips1764900000000 } from './1764900000000-CreateClips';
import { CreateFollowsAndNotifications1765000000000 } from './1765000000000-CreateFollowsAndNotifications';
import { AddDiscovery1765100000000 } from './1765100000000-AddDiscovery';
import { CreateDeposits1765300000000 } from './1765300000000-CreateDeposits';
import { CreatePayouts1765420000000 } from './1765420000000-CreatePayouts';
import { CreateWebhooks1765500000000 } from './1765500000000-CreateWebhooks';
import { CreatePersonalAccessTokens1765610000000 } from './1765610000000-CreatePersonalAccessTokens';
import { CreateOAuthApps1765720000000 } from './1765720000000-CreateOAuthApps';
import { AddSendTipsBatch1765800000000 } from './1765800000000-AddSendTipsBatch';

export const MIGRATIONS = [
  CreateUsers1764000000000,
  CreateStreamsAndViewers1764100000000,
  CreateChat1764200000000,
  CreateLedgerAndTips1764300000000,
  CreateStreamKeys1764400000000,
  CreateRecordings1764500000000,
  CreateAuthSessionsAndUserBans1764650000000,
  AddUpcomingStreamsIndex1764700000000,
  AddStreamThumbnails1764800000000,
  CreateClips1764900000000,
  CreateFollowsAndNotifications1765000000000,
  AddDiscovery1765100000000,
  CreateDeposits1765300000000,
  CreatePayouts1765420000000,
  CreateWebhooks1765500000000,
  CreatePersonalAccessTokens1765610000000,
  CreateOAuthApps1765720000000,
  AddSendTipsBatch1765800000000,
];
