import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  WebhookEndpointService,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEndpointWithSecret,
} from '@keymeter/webhooks';
import { AdminAuth } from '../auth';
import {
  CreateWebhookEndpointDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookEndpointDto,
  WebhookEndpointWithSecretDto,
  WebhookTestDto,
} from './webhooks.dto';

const INVALID = {
  description: 'Invalid field (code `invalid_request`; details name each field); nothing changed',
};

@ApiTags('webhooks')
@AdminAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookEndpointService) {}

  @Post('endpoints')
  @ApiBody({ type: CreateWebhookEndpointDto })
  @ApiCreatedResponse({
    type: WebhookEndpointWithSecretDto,
    description: 'The signing secret is in `secret`, this once',
  })
  @ApiBadRequestResponse(INVALID)
  create(@Body() body: unknown): Promise<WebhookEndpointWithSecret> {
    return this.webhooks.create(body);
  }

  @Get('endpoints')
  @ApiQuery({ name: 'customerId', required: false, description: "Only this customer's endpoints" })
  @ApiOkResponse({ type: [WebhookEndpointDto] })
  @ApiBadRequestResponse(INVALID)
  list(@Query('customerId') customerId?: string): Promise<WebhookEndpointView[]> {
    return this.webhooks.list({ customerId });
  }

  @Get('endpoints/:id')
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<WebhookEndpointView> {
    return this.webhooks.get(id);
  }

  @Patch('endpoints/:id')
  @ApiBody({ type: UpdateWebhookEndpointDto })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiBadRequestResponse(INVALID)
  @ApiNotFoundResponse()
  update(@Param('id') id: string, @Body() body: unknown): Promise<WebhookEndpointView> {
    return this.webhooks.update(id, body);
  }

  @Delete('endpoints/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with its deliveries and their attempts' })
  @ApiNotFoundResponse()
  async remove(@Param('id') id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Post('endpoints/:id/rotate-secret')
  @HttpCode(200)
  @ApiBody({ type: RotateWebhookSecretDto, required: false })
  @ApiOkResponse({
    type: WebhookEndpointWithSecretDto,
    description:
      'The new secret is in `secret`, this once; the previous one keeps signing for the grace period',
  })
  @ApiBadRequestResponse(INVALID)
  @ApiNotFoundResponse()
  rotateSecret(@Param('id') id: string, @Body() body: unknown): Promise<WebhookEndpointWithSecret> {
    return this.webhooks.rotateSecret(id, body);
  }

  @Get('endpoints/:id/deliveries')
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'succeeded', 'failed'] })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  @ApiOkResponse({ type: [WebhookDeliveryDto], description: 'Newest first, each with its attempts' })
  @ApiBadRequestResponse(INVALID)
  @ApiNotFoundResponse()
  deliveries(
    @Param('id') id: string,
    @Query('status') status?: string,
    @Query('limit') limit?: string,
  ): Promise<WebhookDeliveryView[]> {
    return this.webhooks.deliveries(id, { status, limit });
  }

  @Post('endpoints/:id/test')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: WebhookTestDto,
    description: 'A webhook.test event is queued for this endpoint',
  })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The endpoint is disabled (code `endpoint_disabled`)' })
  sendTest(@Param('id') id: string): Promise<{ eventId: string; deliveryId: string }> {
    return this.webhooks.sendTest(id);
  }

  @Post('deliveries/:id/retry')
  @HttpCode(200)
  @ApiOkResponse({
    type: WebhookDeliveryDto,
    description: 'Queued for one more attempt now, same webhook-id',
  })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The delivery has not failed (code `delivery_not_failed`)' })
  retry(@Param('id') id: string): Promise<WebhookDeliveryView> {
    return this.webhooks.retryDelivery(id);
  }
}
