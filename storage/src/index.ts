export * from './ports/object-store.js';
