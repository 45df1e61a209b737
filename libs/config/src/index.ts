export * from './config.schema';
export * from './app-config';
export * from './load-config';
