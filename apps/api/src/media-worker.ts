/**
 * Entry of a media worker thread (built to dist/apps/api/media-worker.js), started by
 * MediaWorkers in the API process: the SFU runs here, off the API's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { runMediaWorker, type PeerOptions } from '@finserve/api/media';

if (!parentPort) throw new Error('media-worker.js runs as a worker thread');
runMediaWorker(parentPort, workerData as PeerOptions);
