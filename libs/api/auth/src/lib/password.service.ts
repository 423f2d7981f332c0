import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * argon2id with the OWASP-recommended minimum (19 MiB, 2 passes), computed on libuv's thread
 * pool so hashing never blocks the event loop.
 */
@Injectable()
export class PasswordService {
  private static readonly OPTIONS = {
    algorithm: Algorithm.Argon2id,
    memoryCost: 19_456,
    timeCost: 2,
    parallelism: 1,
  };

  /** A real hash of a random string, verified when the username is unknown so timing does not tell. */
  private readonly dummyHash = hash(`dummy-${Math.random()}`, PasswordService.OPTIONS);

  hash(password: string): Promise<string> {
    return hash(password, PasswordService.OPTIONS);
  }

  async verify(passwordHash: string | undefined, password: string): Promise<boolean> {
    if (!passwordHash) {
      await verify(await this.dummyHash, password).catch(() => false);
      return false;
    }
    return verify(passwordHash, password).catch(() => false);
  }
}
