export * from './dist/warehouse';
