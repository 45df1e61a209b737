export * from './usage-event-sink';
