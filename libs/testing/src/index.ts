export * from './postgres';
export * from './app-process';
export * from './eventually';
export * from './product';
