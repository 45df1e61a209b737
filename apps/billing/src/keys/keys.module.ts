import { type DynamicModule, Module } from '@nestjs/common';
import { ApiKeyService, AuditLogService, IngestTokenService, type KeyManagement } from '@keymeter/keys';
import { IngestTokensController } from './ingest-tokens.controller';
import { KeysController } from './keys.controller';
import { MeKeysController } from './me-keys.controller';

@Module({})
export class KeysModule {
  static register(keys: Pick<KeyManagement, 'apiKeys' | 'ingestTokens' | 'audit'>): DynamicModule {
    return {
      module: KeysModule,
      controllers: [KeysController, IngestTokensController, MeKeysController],
      providers: [
        { provide: ApiKeyService, useValue: keys.apiKeys },
        { provide: IngestTokenService, useValue: keys.ingestTokens },
        { provide: AuditLogService, useValue: keys.audit },
      ],
      exports: [ApiKeyService, IngestTokenService, AuditLogService],
    };
  }
}
