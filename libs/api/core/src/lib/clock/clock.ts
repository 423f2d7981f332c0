import { Injectable } from '@nestjs/common';

/**
 * The source of "now" for everything the domain records (start/end times, viewing sessions,
 * samples). Injected, so tests can drive time; the database's now() is never used for these.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
