export { AdminGuard } from './admin.guard';
export { CustomerKeyGuard } from './customer-key.guard';
export { AdminAuth, CurrentAdmin, CurrentCustomer, RequireScope } from './decorators';
export { AuthModule } from './auth.module';
export { bearerCredential, type AuthenticatedRequest } from './authenticated-request';
export { REQUIRED_SCOPE } from './required-scope';
