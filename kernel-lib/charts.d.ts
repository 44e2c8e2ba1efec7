export * from './dist/charts/index';
