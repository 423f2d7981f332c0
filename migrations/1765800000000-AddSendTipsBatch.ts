import type { MigrationInterface, QueryRunner } from 'typeorm';

import { SEND_TIPS_V1 } from '@finserve/api/tips/ledger-sql';

/**
 * finserve_send_tips: many tips into one streamer in one statement and one transaction (group
 * commit), each tip through finserve_send_tip in its own subtransaction (owned by libs/api/tips).
 */
export class AddSendTipsBatch1765800000000 implements MigrationInterface {
  name = 'AddSendTipsBatch1765800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(SEND_TIPS_V1);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP FUNCTION finserve_send_tips(jsonb)');
  }
}
