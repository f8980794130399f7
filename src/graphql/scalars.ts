import { GraphQLJSON } from 'graphql-scalars';
import { builder } from './builder.ts';

builder.addScalarType('JSON', GraphQLJSON);
