export * from './dist/render';
