import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

import { BadUserInputError } from '../errors/domain-error';

/** A bounded integer argument (e.g. a page size): anything else is BAD_USER_INPUT. */
@Injectable()
export class IntRangePipe implements PipeTransform<unknown, number> {
  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {}

  transform(value: unknown, metadata: ArgumentMetadata): number {
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < this.min ||
      value > this.max
    ) {
      throw new BadUserInputError(
        `${metadata.data ?? 'value'} must be between ${this.min} and ${this.max}`,
      );
    }
    return value;
  }
}
