import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  adminActor,
  IngestTokenService,
  type AdminIdentity,
  type IngestTokenView,
  type IngestTokenWithSecret,
} from '@keymeter/keys';
import { AdminAuth, CurrentAdmin } from '../auth';
import { CreateIngestTokenDto, IngestTokenDto, IngestTokenWithSecretDto, RotateDto } from './keys.dto';

@ApiTags('ingest tokens')
@AdminAuth()
@Controller('v1/ingest-tokens')
export class IngestTokensController {
  constructor(private readonly tokens: IngestTokenService) {}

  @Post()
  @ApiBody({ type: CreateIngestTokenDto })
  @ApiCreatedResponse({
    type: IngestTokenWithSecretDto,
    description: 'The plaintext token is in `token`, this once',
  })
  @ApiBadRequestResponse({ description: 'Invalid field' })
  create(@Body() body: unknown, @CurrentAdmin() admin: AdminIdentity): Promise<IngestTokenWithSecret> {
    return this.tokens.create(body, adminActor(admin));
  }

  @Get()
  @ApiOkResponse({ type: [IngestTokenDto] })
  list(): Promise<IngestTokenView[]> {
    return this.tokens.list();
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ApiBody({ type: RotateDto, required: false })
  @ApiOkResponse({ type: IngestTokenWithSecretDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The token is revoked' })
  rotate(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentAdmin() admin: AdminIdentity,
  ): Promise<IngestTokenWithSecret> {
    return this.tokens.rotate(id, body, adminActor(admin));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: IngestTokenDto })
  @ApiNotFoundResponse()
  revoke(@Param('id') id: string, @CurrentAdmin() admin: AdminIdentity): Promise<IngestTokenView> {
    return this.tokens.revoke(id, adminActor(admin));
  }
}
