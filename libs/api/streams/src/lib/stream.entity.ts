import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

import { StreamStatus } from '@finserve/shared';

@Entity({ name: 'streams' })
export class StreamEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'streamer_id', type: 'uuid' })
  streamerId!: string;

  @Column({ type: 'varchar', length: 120 })
  title!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: StreamStatus;

  @Column({ name: 'scheduled_for', type: 'timestamptz', nullable: true })
  scheduledFor!: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** Distinct viewers at the last coalesced flush (orders liveStreams); the live value is in presence. */
  @Column({ name: 'viewer_count', type: 'integer', default: 0 })
  viewerCount!: number;

  @Column({ name: 'peak_viewers', type: 'integer', default: 0 })
  peakViewers!: number;

  /** Last moment a broadcast console was known connected (heartbeat, or the moment it left). */
  @Column({ name: 'streamer_seen_at', type: 'timestamptz', nullable: true })
  streamerSeenAt!: Date | null;

  /** When the streamer's console last uploaded a frame (thumbnails.service.ts); null: none. */
  @Column({ name: 'thumbnail_updated_at', type: 'timestamptz', nullable: true })
  thumbnailUpdatedAt!: Date | null;

  /** The category's slug (categories table, same lib); null: none. */
  @Column({ name: 'category_slug', type: 'varchar', length: 32, nullable: true })
  categorySlug!: string | null;

  /** Normalized (normalizeTags of @finserve/shared): 0..10 of [a-z0-9-]{1,25}. */
  @Column({ type: 'varchar', length: 25, array: true, default: () => "'{}'" })
  tags!: string[];

  @Column({ name: 'is_demo', type: 'boolean', default: false })
  isDemo!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
