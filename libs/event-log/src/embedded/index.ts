export { createEmbeddedEventLog, type EmbeddedEventLogOptions } from './embedded-event-log';
export { DirectoryLockedError } from './directory-lock';
