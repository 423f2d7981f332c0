import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Response } from 'express';

import { AppConfig, NotFoundError } from '@finserve/api/core';

const contentType = (location: string): string =>
  location.endsWith('.mp4') ? 'video/mp4' : 'video/webm';

/**
 * Where finished recordings live. The SFU writes each recording to a local file; the store keeps
 * it (local disk: where it is; S3: uploaded, then the local copy removed) and serves it.
 * A recording's `location` is what the store returned from `keep` (a path or an s3:// URL).
 */
export abstract class RecordingStore {
  /** Takes over the finished local file; returns the location to remember. */
  abstract keep(localPath: string, recordingId: string): Promise<string>;
  /** Answers GET /recordings/<id>.webm|mp4 for a recording at `location` (Range requests work). */
  abstract serve(location: string, res: Response): Promise<void>;
  /** A path on this machine's disk for what is at `location` (null: not on local disk). */
  localPath(location: string): string | null {
    return /^s3:\/\//.test(location) ? null : location;
  }
  /** Deletes what is at `location` (a clip that was deleted). */
  abstract remove(location: string): Promise<void>;
}

/** Recordings stay under DATA_DIR/recordings and are sent by the API with Range support. */
@Injectable()
export class LocalRecordingStore extends RecordingStore {
  keep(localPath: string): Promise<string> {
    return Promise.resolve(localPath);
  }

  async remove(location: string): Promise<void> {
    await unlink(location).catch(() => undefined);
  }

  serve(location: string, res: Response): Promise<void> {
    return new Promise((resolve, reject) => {
      // Sent relative to the file's own folder: `send` refuses any path through a dot-directory
      // (the default DATA_DIR is `.data`) unless that folder is the root it serves from.
      res.sendFile(
        basename(location),
        {
          root: dirname(location),
          headers: { 'Content-Type': contentType(location) },
          maxAge: '1d',
          acceptRanges: true,
        },
        (error?: Error & { status?: number }) => {
          if (!error || res.headersSent) return resolve();
          const status = error.status ?? 500;
          if (status === 404) return reject(new NotFoundError('Recording'));
          if (status < 500) {
            res.status(status).end();
            return resolve();
          }
          reject(error);
        },
      );
    });
  }
}

/**
 * Recordings in an S3-compatible bucket (AWS S3, MinIO, R2...): uploaded with a multipart upload
 * when the recording is finalized; the API answers the replay URL with a redirect to a presigned
 * GET, so the bytes (and Range requests) go straight from the bucket to the player.
 */
@Injectable()
export class S3RecordingStore extends RecordingStore implements OnApplicationShutdown {
  private readonly local = new LocalRecordingStore();
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(private readonly config: AppConfig) {
    super();
    if (!config.S3_BUCKET) throw new Error('S3_BUCKET is required when RECORDING_STORAGE=s3');
    this.bucket = config.S3_BUCKET;
    this.client = new S3Client({
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      credentials:
        config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
          ? {
              accessKeyId: config.S3_ACCESS_KEY_ID,
              secretAccessKey: config.S3_SECRET_ACCESS_KEY,
            }
          : undefined,
      // Checksums only where S3 requires them: S3-compatible stores do not all accept the
      // newer default trailing-checksum uploads.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  onApplicationShutdown(): void {
    this.client.destroy();
  }

  override async keep(localPath: string, recordingId: string): Promise<string> {
    const key = `${this.config.S3_PREFIX}${recordingId}${extname(localPath)}`;
    await new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: createReadStream(localPath),
        ContentType: contentType(localPath),
        CacheControl: 'public, max-age=86400',
      },
    }).done();
    // Only a complete object counts: the local file goes once the bucket has all of it.
    await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    await unlink(localPath);
    return `s3://${this.bucket}/${key}`;
  }

  override async remove(location: string): Promise<void> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!match) return this.local.remove(location);
    await this.client.send(new DeleteObjectCommand({ Bucket: match[1], Key: match[2] }));
  }

  override async serve(location: string, res: Response): Promise<void> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    // Recordings kept on disk before the switch to S3 are still served from there.
    if (!match) return this.local.serve(location, res);
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: match[1],
        Key: match[2],
        ResponseContentType: contentType(location),
      }),
      { expiresIn: this.config.S3_URL_TTL_SECONDS },
    );
    res.setHeader('Cache-Control', 'private, no-store');
    res.redirect(302, url);
  }
}

export const recordingStoreProvider = {
  provide: RecordingStore,
  inject: [AppConfig],
  useFactory: (config: AppConfig): RecordingStore =>
    config.RECORDING_STORAGE === 's3' ? new S3RecordingStore(config) : new LocalRecordingStore(),
};
