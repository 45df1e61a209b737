export * from './money';
export * from './pricing';
export * from './keys';
export * from './routing';
export * from './limits';
export * from './periods';
export * from './anomaly';
