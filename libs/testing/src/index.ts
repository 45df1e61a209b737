export * from './postgres';
export * from './app-process';
