export { UsageModule } from './usage.module';
export type { UsageModuleOptions } from './usage.tokens';
