import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import express, { type NextFunction, type Request, type Response } from 'express';

import { NotFoundError } from '@finserve/api/core';

import { LocalRecordingStore } from './recording-store';

/** A real HTTP server whose one route serves `location` through the store. */
async function serveOnce(location: string, headers: Record<string, string> = {}) {
  const app = express();
  app.get('/file', (_req: Request, res: Response, next: NextFunction) => {
    new LocalRecordingStore().serve(location, res).catch(next);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(error instanceof NotFoundError ? 404 : 500).json({ error: String(error) });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/file`, { headers });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      range: response.headers.get('content-range'),
      body: Buffer.from(await response.arrayBuffer()),
    };
  } finally {
    server.close();
  }
}

describe('LocalRecordingStore.serve', () => {
  // The default DATA_DIR is `.data`: a dot-directory that static file serving refuses by default.
  const dataDir = join(mkdtempSync(join(tmpdir(), 'finserve-store-')), '.data', 'recordings');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'replay.webm');
  writeFileSync(file, Buffer.from('0123456789'));

  it('serves a recording under a dot-directory (the default DATA_DIR), with its type', async () => {
    const answer = await serveOnce(file);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('video/webm');
    expect(answer.body.toString()).toBe('0123456789');
  });

  it('answers Range requests with 206 and the asked bytes', async () => {
    const answer = await serveOnce(file, { range: 'bytes=2-5' });
    expect(answer.status).toBe(206);
    expect(answer.range).toBe('bytes 2-5/10');
    expect(answer.body.toString()).toBe('2345');
  });

  it('turns a missing file into NotFoundError, not a stack', async () => {
    const answer = await serveOnce(join(dataDir, 'gone.webm'));
    expect(answer.status).toBe(404);
  });
});
