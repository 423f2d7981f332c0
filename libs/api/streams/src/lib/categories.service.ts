import { Injectable } from '@nestjs/common';

import { BadUserInputError, byKeys, ContextLoader } from '@finserve/api/core';

import { CategoriesRepository } from './categories.repository';
import type { CategoryModel } from './category.model';

export interface Category {
  slug: string;
  name: string;
}

/**
 * The categories table (owned by this lib). Its rows only change with a migration, so they are
 * read once per process and kept; the live counts are computed on each call.
 */
@Injectable()
export class CategoriesService {
  private all?: Promise<Map<string, Category>>;

  constructor(private readonly repository: CategoriesRepository) {}

  private bySlug(): Promise<Map<string, Category>> {
    this.all ??= this.repository
      .all()
      .then((rows) => new Map(rows.map((row) => [row.slug, row])))
      .catch((error: unknown) => {
        this.all = undefined; // try again on the next call
        throw error;
      });
    return this.all;
  }

  async find(slug: string | null): Promise<Category | null> {
    if (!slug) return null;
    return (await this.bySlug()).get(slug) ?? null;
  }

  /** The slug of an existing category, lowercased; anything else is BAD_USER_INPUT. */
  async requireSlug(slug: string): Promise<string> {
    const normalized = slug.trim().toLowerCase();
    if (!(await this.bySlug()).has(normalized)) {
      throw new BadUserInputError(`Unknown category "${slug.slice(0, 40)}"`, {
        field: 'categorySlug',
      });
    }
    return normalized;
  }

  /** Every category with its LIVE streams and their viewers: most viewers first. */
  async withLiveCounts(): Promise<Required<CategoryModel>[]> {
    const rows = await this.repository.withLiveCounts();
    return rows.map((row) => ({
      slug: row.slug,
      name: row.name,
      liveStreamCount: row.live,
      viewerCount: row.viewers,
    }));
  }
}

/** The live counts of categories, batched per GraphQL operation (Stream.category { viewerCount }). */
@Injectable()
export class CategoryCountsLoader extends ContextLoader<string, Required<CategoryModel> | null> {
  constructor(categories: CategoriesService) {
    super(async (slugs) =>
      byKeys(slugs, await categories.withLiveCounts(), (category) => category.slug),
    );
  }
}
