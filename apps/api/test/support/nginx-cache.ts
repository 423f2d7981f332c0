import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './process';

export const NGINX = process.env['NGINX_PATH'] ?? '/usr/sbin/nginx';
export const nginxAvailable = (): boolean => existsSync(NGINX);

export interface NginxCache {
  url: string;
  /** One line per request: `<uri> <upstream cache status> <status>`. */
  accessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Debian's nginx as a CDN edge in front of an origin: `proxy_cache` honouring the origin's
 * Cache-Control, keyed by the full URI (HLS's `_HLS_msn`/`_HLS_part` included), and
 * `proxy_cache_lock` so that concurrent requests for one object make ONE origin request while the
 * others wait for it (what CDNs call request collapsing).
 */
export async function startNginxCache(origin: string): Promise<NginxCache> {
  const prefix = await mkdtemp(join(tmpdir(), 'finserve-nginx-'));
  for (const dir of ['cache', 'temp', 'logs']) await mkdir(join(prefix, dir));
  // Workers may run as another user (nobody) when started as root.
  await chmod(prefix, 0o777);
  for (const dir of ['cache', 'temp', 'logs']) await chmod(join(prefix, dir), 0o777);
  const port = await freePort();
  const config = `
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  log_format cache '$request_uri $upstream_cache_status $status';
  client_body_temp_path ${prefix}/temp/body;
  proxy_temp_path ${prefix}/temp/proxy;
  fastcgi_temp_path ${prefix}/temp/fastcgi;
  uwsgi_temp_path ${prefix}/temp/uwsgi;
  scgi_temp_path ${prefix}/temp/scgi;
  proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=hls:10m max_size=1g inactive=10m use_temp_path=off;
  upstream origin { server ${new URL(origin).host}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 100000;
    location /hls/ {
      access_log ${prefix}/logs/access.log cache;
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache hls;
      proxy_cache_key $request_uri;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 10s;
      proxy_cache_lock_age 10s;
      proxy_read_timeout 15s;
    }
  }
}
`;
  await writeFile(join(prefix, 'nginx.conf'), config);
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`${url}/hls/`);
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`nginx did not start: ${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    accessLog: async () =>
      (await readFile(join(prefix, 'logs', 'access.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean),
    stop: async () => {
      child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(prefix, { recursive: true, force: true });
    },
  };
}
