import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The `categories` table: its only SQL (its rows change only with a migration). */
@Injectable()
export class CategoriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every category, in display order. */
  all(): Promise<{ slug: string; name: string }[]> {
    return this.dataSource.query<{ slug: string; name: string }[]>(
      `SELECT slug, name FROM categories ORDER BY position, slug`,
    );
  }

  /** Every category with its LIVE streams and their viewers: most viewers first. */
  withLiveCounts(): Promise<{ slug: string; name: string; live: number; viewers: number }[]> {
    return this.dataSource.query<{ slug: string; name: string; live: number; viewers: number }[]>(`
      SELECT c.slug, c.name, count(s.id)::int AS live, coalesce(sum(s.viewer_count), 0)::int AS viewers
        FROM categories c
        LEFT JOIN streams s ON s.category_slug = c.slug AND s.status = 'LIVE'
       GROUP BY c.slug, c.name, c.position
       ORDER BY viewers DESC, live DESC, c.position, c.slug`);
  }
}
