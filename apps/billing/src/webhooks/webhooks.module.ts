import { type DynamicModule, Module } from '@nestjs/common';
import { WebhookEndpointService } from '@keymeter/webhooks';
import { WebhooksController } from './webhooks.controller';

/** The webhook endpoints admin API (/v1/webhooks/...). Delivery runs beside it (start-billing.ts). */
@Module({})
export class WebhooksModule {
  static register(endpoints: WebhookEndpointService): DynamicModule {
    return {
      module: WebhooksModule,
      controllers: [WebhooksController],
      providers: [{ provide: WebhookEndpointService, useValue: endpoints }],
    };
  }
}
