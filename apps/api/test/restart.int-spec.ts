import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import type { RunningApp } from '../src/bootstrap';
import {
  eventually,
  liveStream,
  subscribe,
  WATCH_STREAM,
  wsConnect,
} from './support/graphql-client';
import { freePort, spawnServer, waitForHealth } from './support/process';
import { startTestApp, TEST_JWT_SECRET } from './support/test-app';

describe('a crashed API process', () => {
  let survivor: RunningApp | undefined;
  afterAll(() => survivor?.close());

  it('has its open viewing sessions closed by the next process, at its last heartbeat, within the bound', async () => {
    const port = await freePort();
    const crashing = spawnServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: process.env['TEST_DATABASE_URL'],
      DATA_DIR: mkdtempSync(join(tmpdir(), 'finserve-crash-')),
      JWT_SECRET: TEST_JWT_SECRET,
      INSTANCE_HEARTBEAT_SECONDS: '1',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
    });
    try {
      await waitForHealth(crashing, port);
      const url = `http://127.0.0.1:${port}`;
      const { streamId } = await liveStream(url, 'crash');
      const viewer = wsConnect(url);
      await subscribe(viewer, WATCH_STREAM, { id: streamId }).waitFor(() => true);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a heartbeat or two

      const killedAt = Date.now();
      crashing.child.kill('SIGKILL');
      await crashing.exited;
      await viewer.dispose();

      survivor = await startTestApp({ INSTANCE_HEARTBEAT_SECONDS: '1' });
      const dataSource = survivor.app.get(DataSource);
      const session = await eventually(
        async () => {
          const [row] = await dataSource.query<
            { joined_at: Date; left_at: Date | null; watch_duration_seconds: number | null }[]
          >(
            'SELECT joined_at, left_at, watch_duration_seconds FROM stream_viewers WHERE stream_id = $1',
            [streamId],
          );
          return row?.left_at ? row : undefined;
        },
        15_000,
        200,
      );
      const closedWithin = Date.now() - killedAt;
      const leftAt = (session.left_at as Date).getTime();
      // Never longer than the viewer was known to watch: at or before the crash, at most one beat earlier.
      expect(leftAt).toBeLessThanOrEqual(killedAt);
      expect(leftAt).toBeGreaterThanOrEqual(killedAt - 2000);
      expect(session.watch_duration_seconds).toBe(
        Math.floor((leftAt - session.joined_at.getTime()) / 1000),
      );
      expect(closedWithin).toBeLessThan(10_000);
    } finally {
      crashing.child.kill('SIGKILL');
    }
  }, 60_000);
});
