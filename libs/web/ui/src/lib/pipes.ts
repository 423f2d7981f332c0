import { inject, LOCALE_ID, Pipe, type PipeTransform } from '@angular/core';

import { formatCents, formatCount, formatDateTime, formatDuration } from './format';

/** Integer cents as money in the app's locale (LOCALE_ID). */
@Pipe({ name: 'fsMoney' })
export class MoneyPipe implements PipeTransform {
  private readonly locale = inject(LOCALE_ID);

  transform(amountCents: number | null | undefined, currency = 'USD'): string {
    return formatCents(amountCents ?? 0, currency, this.locale);
  }
}

@Pipe({ name: 'fsDuration' })
export class DurationPipe implements PipeTransform {
  transform(seconds: number | null | undefined): string {
    return formatDuration(seconds ?? 0);
  }
}

/** Compact counts (1.2K) in the app's locale. */
@Pipe({ name: 'fsCount' })
export class CountPipe implements PipeTransform {
  private readonly locale = inject(LOCALE_ID);

  transform(value: number | null | undefined): string {
    return formatCount(value ?? 0, this.locale);
  }
}

/** A date and time with its time zone, in the app's locale. */
@Pipe({ name: 'fsDateTime' })
export class DateTimePipe implements PipeTransform {
  private readonly locale = inject(LOCALE_ID);

  transform(value: string | number | Date | null | undefined): string {
    return value === null || value === undefined ? '' : formatDateTime(value, this.locale);
  }
}
