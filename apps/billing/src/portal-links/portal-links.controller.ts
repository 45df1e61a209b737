import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import {
  adminActor,
  PortalLinkService,
  type AdminIdentity,
  type PortalLinkView,
  type PortalLinkWithToken,
} from '@keymeter/keys';
import { AdminAuth, CurrentAdmin } from '../auth';
import { MintPortalLinkDto, PortalLinkDto, PortalLinkWithTokenDto } from './portal-links.dto';
import { portalUrl } from './portal-url';

/** Admins mint, list and revoke the short-lived links that open one customer's dashboard. */
@ApiTags('portal links')
@AdminAuth()
@Controller('v1')
export class PortalLinksController {
  constructor(private readonly links: PortalLinkService) {}

  @Post('customers/:id/portal-links')
  @ApiBody({ type: MintPortalLinkDto, required: false })
  @ApiCreatedResponse({ type: PortalLinkWithTokenDto, description: 'The token and URL are shown this once' })
  @ApiBadRequestResponse({ description: 'Invalid ttlSeconds' })
  @ApiNotFoundResponse({ description: 'No such customer' })
  async mint(
    @Param('id') customerId: string,
    @Body() body: unknown,
    @CurrentAdmin() admin: AdminIdentity,
    @Req() request: Request,
  ): Promise<PortalLinkWithToken & { readonly url: string }> {
    const link = await this.links.mint(customerId, body, adminActor(admin));
    return { ...link, url: portalUrl(request, link.token) };
  }

  @Get('customers/:id/portal-links')
  @ApiOkResponse({ type: [PortalLinkDto] })
  @ApiNotFoundResponse({ description: 'No such customer' })
  list(@Param('id') customerId: string): Promise<PortalLinkView[]> {
    return this.links.listForCustomer(customerId);
  }

  @Delete('portal-links/:id')
  @ApiOkResponse({ type: PortalLinkDto, description: 'Revoked at once; revoking again changes nothing' })
  @ApiNotFoundResponse()
  remove(@Param('id') id: string, @CurrentAdmin() admin: AdminIdentity): Promise<PortalLinkView> {
    return this.links.revoke(id, adminActor(admin));
  }

  @Post('portal-links/:id/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: PortalLinkDto, description: 'Same as DELETE /v1/portal-links/:id' })
  @ApiNotFoundResponse()
  revoke(@Param('id') id: string, @CurrentAdmin() admin: AdminIdentity): Promise<PortalLinkView> {
    return this.links.revoke(id, adminActor(admin));
  }
}
