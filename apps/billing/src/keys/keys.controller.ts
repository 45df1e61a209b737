import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  adminActor,
  ApiKeyService,
  AuditLogService,
  type AdminIdentity,
  type ApiKeyView,
  type ApiKeyWithSecret,
  type AuditEntryView,
} from '@keymeter/keys';
import { AdminAuth, CurrentAdmin } from '../auth';
import {
  ApiKeyDto,
  ApiKeyWithSecretDto,
  AuditEntryDto,
  CreateApiKeyDto,
  RotateDto,
  UpdateApiKeyDto,
} from './keys.dto';

const INVALID = {
  description: 'Invalid field (code `invalid_request`; details name each field); nothing changed',
};
const REVOKED = { description: 'The key is revoked (code `key_revoked`)' };

@ApiTags('keys')
@AdminAuth()
@Controller('v1')
export class KeysController {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly audit: AuditLogService,
  ) {}

  @Post('customers/:id/keys')
  @ApiBody({ type: CreateApiKeyDto })
  @ApiCreatedResponse({ type: ApiKeyWithSecretDto, description: 'The plaintext key is in `key`, this once' })
  @ApiBadRequestResponse(INVALID)
  @ApiNotFoundResponse({ description: 'Unknown customer' })
  create(
    @Param('id') customerId: string,
    @Body() body: unknown,
    @CurrentAdmin() admin: AdminIdentity,
  ): Promise<ApiKeyWithSecret> {
    return this.keys.create(customerId, body, adminActor(admin));
  }

  @Get('customers/:id/keys')
  @ApiOkResponse({ type: [ApiKeyDto] })
  @ApiNotFoundResponse({ description: 'Unknown customer' })
  list(@Param('id') customerId: string): Promise<ApiKeyView[]> {
    return this.keys.listForCustomer(customerId);
  }

  @Get('keys/:id')
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFoundResponse()
  get(@Param('id') keyId: string): Promise<ApiKeyView> {
    return this.keys.get(keyId);
  }

  @Post('keys/:id/rotate')
  @HttpCode(200)
  @ApiBody({ type: RotateDto, required: false })
  @ApiOkResponse({ type: ApiKeyWithSecretDto, description: 'The new plaintext key is in `key`, this once' })
  @ApiBadRequestResponse(INVALID)
  @ApiNotFoundResponse()
  @ApiConflictResponse(REVOKED)
  rotate(
    @Param('id') keyId: string,
    @Body() body: unknown,
    @CurrentAdmin() admin: AdminIdentity,
  ): Promise<ApiKeyWithSecret> {
    return this.keys.rotate(keyId, body, adminActor(admin));
  }

  @Post('keys/:id/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: ApiKeyDto, description: 'Revoked (final); revoking again changes nothing' })
  @ApiNotFoundResponse()
  revoke(@Param('id') keyId: string, @CurrentAdmin() admin: AdminIdentity): Promise<ApiKeyView> {
    return this.keys.revoke(keyId, adminActor(admin));
  }

  @Patch('keys/:id')
  @ApiBody({ type: UpdateApiKeyDto })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiBadRequestResponse(INVALID)
  @ApiNotFoundResponse()
  @ApiConflictResponse(REVOKED)
  update(
    @Param('id') keyId: string,
    @Body() body: unknown,
    @CurrentAdmin() admin: AdminIdentity,
  ): Promise<ApiKeyView> {
    return this.keys.update(keyId, body, adminActor(admin));
  }

  @Get('keys/:id/audit')
  @ApiOkResponse({ type: [AuditEntryDto], description: 'Newest first' })
  @ApiNotFoundResponse()
  async keyAudit(@Param('id') keyId: string): Promise<AuditEntryView[]> {
    await this.keys.get(keyId);
    return this.audit.list({ subjectType: 'api_key', subjectId: keyId });
  }

  @Get('audit')
  @ApiQuery({
    name: 'subjectType',
    required: false,
    enum: ['customer', 'api_key', 'ingest_token', 'admin_token', 'portal_link'],
  })
  @ApiQuery({ name: 'subjectId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1000, default 100' })
  @ApiOkResponse({ type: [AuditEntryDto], description: 'Newest first' })
  @ApiBadRequestResponse(INVALID)
  auditLog(
    @Query('subjectType') subjectType?: string,
    @Query('subjectId') subjectId?: string,
    @Query('limit') limit?: string,
  ): Promise<AuditEntryView[]> {
    return this.audit.list({ subjectType, subjectId, limit });
  }
}
