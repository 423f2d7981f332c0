import { Controller, Get, Header } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';

import { Public } from '../auth-context/decorators';

/**
 * GET /schema.graphql: the running API's schema as SDL, for third parties' code generators
 * (introspection stays enabled too). The same text as the committed apps/api/schema.graphql.
 */
@Public()
@Controller()
export class SchemaController {
  private sdl?: string;

  constructor(private readonly schemaHost: GraphQLSchemaHost) {}

  @Get('schema.graphql')
  @Header('content-type', 'text/plain; charset=utf-8')
  @Header('cache-control', 'public, max-age=300')
  schema(): string {
    return (this.sdl ??= printSchema(this.schemaHost.schema));
  }
}
