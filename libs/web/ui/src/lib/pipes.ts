import { Pipe, type PipeTransform } from '@angular/core';

import { formatCents, formatCount, formatDuration } from './format';

@Pipe({ name: 'fsMoney' })
export class MoneyPipe implements PipeTransform {
  transform(amountCents: number | null | undefined, currency = 'USD'): string {
    return formatCents(amountCents ?? 0, currency);
  }
}

@Pipe({ name: 'fsDuration' })
export class DurationPipe implements PipeTransform {
  transform(seconds: number | null | undefined): string {
    return formatDuration(seconds ?? 0);
  }
}

@Pipe({ name: 'fsCount' })
export class CountPipe implements PipeTransform {
  transform(value: number | null | undefined): string {
    return formatCount(value ?? 0);
  }
}
