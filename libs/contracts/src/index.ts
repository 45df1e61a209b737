export * from './usage-event';
export * from './key-registry';
