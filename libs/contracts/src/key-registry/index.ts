export * from './key-registry.types';
export * from './key-registry.codec';
