import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('Category')
export class CategoryModel {
  @Field(() => String, {
    description:
      'Stable identifier: forex, crypto, stocks, options, futures, commodities, macro, education, ...',
  })
  slug!: string;

  @Field(() => String, {
    description: 'The English name; clients may show their own translation by slug.',
  })
  name!: string;

  /** Set when read with its counts (the categories query); else resolved by CategoryResolver. */
  liveStreamCount?: number;
  viewerCount?: number;
}
