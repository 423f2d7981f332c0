import { UserEntity } from '@finserve/api/auth';
import { StreamEntity } from '@finserve/api/streams';

/** Every TypeORM entity of the API (the db CLI and TypeORM CLI need the explicit list). */
export const ENTITIES = [UserEntity, StreamEntity];
