export * from './dist/sql/index';
