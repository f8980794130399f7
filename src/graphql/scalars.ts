import { GraphQLJSON } from 'graphql-scalars';
import { builder } from './builder.ts';

builder.addScalarType('JSON', GraphQLJSON);

builder.scalarType('File', {
  description: 'A file upload (GraphQL multipart request specification)',
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
});
