export * from './ports/object-store.js';
export * from './config.js';
export * from './object-keys.js';
export * from './adapters/s3/s3-object-store.js';
