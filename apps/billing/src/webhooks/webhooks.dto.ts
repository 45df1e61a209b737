import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const EVENT_TYPES_DESCRIPTION =
  'Event types to receive: exact (`alert.opened`), prefixes (`alert.*`) or `*`; empty or absent: every type';

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://ops.example.com/keymeter-webhooks', description: 'http or https' })
  url!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    description:
      "The customer whose events the endpoint receives; absent or null: a global endpoint (every customer's events)",
  })
  customerId?: string | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['alert.*', 'key.action_applied'],
    description: EVENT_TYPES_DESCRIPTION,
  })
  eventTypes?: string[];

  @ApiPropertyOptional({ example: 'On-call pager bridge', maxLength: 500 })
  description?: string;

  @ApiPropertyOptional({ default: true })
  enabled?: boolean;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional()
  url?: string;

  @ApiPropertyOptional({ type: [String], description: EVENT_TYPES_DESCRIPTION })
  eventTypes?: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  description?: string;

  @ApiPropertyOptional({
    description: 'A disabled endpoint receives no new events and its pending deliveries wait',
  })
  enabled?: boolean;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    default: 86_400,
    minimum: 0,
    maximum: 604_800,
    description: 'Seconds the previous secret keeps signing (a second signature); 0 ends it now',
  })
  graceSeconds?: number;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  customerId!: string | null;

  @ApiProperty()
  url!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ type: [String] })
  eventTypes!: string[];

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Until when the rotated-out secret still signs',
  })
  previousSecretExpiresAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({
    example: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    description: 'The signing secret, shown this once; store it with the receiver',
  })
  secret!: string;
}

export class WebhookAttemptDto {
  @ApiProperty()
  attemptNumber!: number;

  @ApiProperty({ format: 'date-time' })
  attemptedAt!: string;

  @ApiProperty({ nullable: true, type: Number, description: 'null: no answer (refused, timed out)' })
  responseStatus!: number | null;

  @ApiProperty()
  durationMs!: number;

  @ApiProperty({ nullable: true, type: String })
  error!: string | null;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  endpointId!: string;

  @ApiProperty({ example: 'msg_01JDQ2W5C4W7D5Y3S4Z8A0B1C2', description: 'The webhook-id header' })
  eventId!: string;

  @ApiProperty({ example: 'alert.opened' })
  eventType!: string;

  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] })
  status!: string;

  @ApiProperty()
  attempts!: number;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  nextAttemptAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastAttemptAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: [WebhookAttemptDto] })
  attemptLog!: WebhookAttemptDto[];
}

export class WebhookTestDto {
  @ApiProperty({ description: 'The webhook-id of the test event' })
  eventId!: string;

  @ApiProperty({ format: 'uuid' })
  deliveryId!: string;
}
