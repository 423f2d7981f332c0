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
];
