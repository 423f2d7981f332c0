import { Context, Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';

import type { GraphQLContext } from '@finserve/api/core';

import { CategoryCountsLoader } from './categories.service';
import { CategoryModel } from './category.model';

@Resolver(() => CategoryModel)
export class CategoryResolver {
  constructor(private readonly counts: CategoryCountsLoader) {}

  @ResolveField(() => Int)
  async liveStreamCount(
    @Parent() category: CategoryModel,
    @Context() context: GraphQLContext,
  ): Promise<number> {
    if (category.liveStreamCount !== undefined) return category.liveStreamCount;
    return (await this.counts.for(context).load(category.slug))?.liveStreamCount ?? 0;
  }

  @ResolveField(() => Int, { description: "Viewers watching this category's LIVE streams now." })
  async viewerCount(
    @Parent() category: CategoryModel,
    @Context() context: GraphQLContext,
  ): Promise<number> {
    if (category.viewerCount !== undefined) return category.viewerCount;
    return (await this.counts.for(context).load(category.slug))?.viewerCount ?? 0;
  }
}
