import { type DynamicModule, Module } from '@nestjs/common';
import {
  AdminTokenService,
  CustomerKeyAuthenticator,
  PortalLinkService,
  type KeyManagement,
} from '@keymeter/keys';
import { AdminGuard } from './admin.guard';
import { CustomerKeyGuard } from './customer-key.guard';

/**
 * Global, so that any module's controllers can use `@AdminAuth()` / `@RequireScope()`: the guards find the
 * authenticators they need here.
 */
@Module({})
export class AuthModule {
  static register(keys: Pick<KeyManagement, 'adminTokens' | 'customerKeys' | 'portalLinks'>): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: AdminTokenService, useValue: keys.adminTokens },
        { provide: CustomerKeyAuthenticator, useValue: keys.customerKeys },
        { provide: PortalLinkService, useValue: keys.portalLinks },
        AdminGuard,
        CustomerKeyGuard,
      ],
      exports: [AdminTokenService, CustomerKeyAuthenticator, PortalLinkService, AdminGuard, CustomerKeyGuard],
    };
  }
}
