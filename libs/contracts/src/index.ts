export * from './usage-event';
