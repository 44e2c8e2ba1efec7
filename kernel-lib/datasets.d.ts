export * from './dist/datasets';
