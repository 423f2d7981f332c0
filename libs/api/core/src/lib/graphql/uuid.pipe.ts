import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

import { BadUserInputError } from '../errors/domain-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An ID argument must be a UUID (every id of this API is); anything else is BAD_USER_INPUT. */
@Injectable()
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new BadUserInputError(`${metadata.data ?? 'id'} must be an id (UUID)`);
    }
    return value.toLowerCase();
  }
}

/** An optional id argument: absent or null stays undefined; anything else must be a UUID. */
@Injectable()
export class OptionalUuidPipe implements PipeTransform<unknown, string | undefined> {
  private readonly uuid = new UuidPipe();

  transform(value: unknown, metadata: ArgumentMetadata): string | undefined {
    return value === undefined || value === null ? undefined : this.uuid.transform(value, metadata);
  }
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A numeric id (bigserial, e.g. a chat message): digits only, else BAD_USER_INPUT. */
@Injectable()
export class NumericIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !/^[1-9]\d{0,17}$/.test(value)) {
      throw new BadUserInputError(`${metadata.data ?? 'id'} must be a message id`);
    }
    return value;
  }
}
