export * from './dist/parallel';
