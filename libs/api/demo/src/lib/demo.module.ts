import { randomBytes } from 'node:crypto';

import { Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';

import { AuthModule, UsersService } from '@finserve/api/auth';
import { AppConfig } from '@finserve/api/core';
import { SignalingModule } from '@finserve/api/signaling';
import { StreamsModule, StreamsService } from '@finserve/api/streams';
import { Role } from '@finserve/shared';

import { DemoPublisherLock } from './demo-publisher.lock';
import { DemoPublisher } from './demo-publisher.service';

const DEMO_USERS = [
  { username: 'demo_alice', displayName: 'Alice (demo)' },
  { username: 'demo_bob', displayName: 'Bob (demo)' },
  { username: 'demo_carol', displayName: 'Carol (demo)' },
];

/**
 * Demo data for a first `npm start`: a few demo users (no usable password) and one LIVE demo
 * stream, clearly marked, seeded only into a database without any stream, never in production,
 * and not at all with SEED_DEMO=false. The demo stream is exempt from the streamer-gone auto-end;
 * while it is LIVE, DemoPublisher feeds it a looping clip (same conditions: SEED_DEMO=false or
 * production means no publisher, even for a demo stream left in the database).
 */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeeder.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly streams: StreamsService,
    private readonly publisher: DemoPublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SEED_DEMO || this.config.isProduction) return;
    if (!(await this.streams.any())) await this.seed();
    const demo = await this.streams.liveDemo();
    const streamer = demo && (await this.users.findById(demo.streamerId));
    if (!demo || !streamer) return;
    // Not awaited: the app serves while the publisher connects (and retries on its own).
    void this.publisher
      .feed(demo, { id: streamer.id, username: streamer.username, role: streamer.role })
      .catch((error: unknown) =>
        this.logger.error(
          `demo publisher not started: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  }

  private async seed(): Promise<void> {
    const created = [];
    for (const demo of DEMO_USERS) {
      const existing = await this.users.findByUsernameWithPassword(demo.username);
      created.push(
        existing ??
          (await this.users.create({
            ...demo,
            // Not a hash of anything: nobody can log in as a demo user.
            passwordHash: `!demo-${randomBytes(16).toString('hex')}`,
            role: Role.USER,
          })),
      );
    }
    const alice = created[0];
    await this.streams.create(
      { id: alice.id, username: alice.username, role: Role.USER },
      {
        title: '[DEMO] EUR/USD: London open, key levels',
        description: 'Demo stream seeded on first start (SEED_DEMO=false turns this off).',
      },
      { isDemo: true },
    );
    this.logger.log(`seeded demo data: ${DEMO_USERS.length} demo users and one LIVE demo stream`);
  }
}

@Module({
  imports: [AuthModule, StreamsModule, SignalingModule],
  providers: [DemoSeeder, DemoPublisher, DemoPublisherLock],
  exports: [DemoPublisher],
})
export class DemoModule {}
