export * from './private-s3.js';
