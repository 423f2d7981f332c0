import { Pipe, type PipeTransform } from '@angular/core';

/**
 * The name of a category in the app's language, by its stable slug. The API's `name` is English;
 * a category added later without a translation here shows that name.
 */
export function categoryName(slug: string, fallback: string): string {
  switch (slug) {
    case 'forex':
      return $localize`:@@category.forex:Forex`;
    case 'crypto':
      return $localize`:@@category.crypto:Crypto`;
    case 'stocks':
      return $localize`:@@category.stocks:Stocks`;
    case 'options':
      return $localize`:@@category.options:Options`;
    case 'futures':
      return $localize`:@@category.futures:Futures`;
    case 'commodities':
      return $localize`:@@category.commodities:Commodities`;
    case 'macro':
      return $localize`:@@category.macro:Macro`;
    case 'education':
      return $localize`:@@category.education:Education`;
    default:
      return fallback;
  }
}

/** `{{ category | fsCategory }}`: a Category's name in the app's language. */
@Pipe({ name: 'fsCategory' })
export class CategoryPipe implements PipeTransform {
  transform(category: { slug: string; name: string } | null | undefined): string {
    return category ? categoryName(category.slug, category.name) : '';
  }
}
