import { Module } from '@nestjs/common';

import { JobQueue } from './job-queue';

/** The shared durable job queue (one pg-boss per process, however many modules import this). */
@Module({ providers: [JobQueue], exports: [JobQueue] })
export class JobsModule {}
