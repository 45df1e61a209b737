import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
  type ApiPropertyOptions,
} from '@nestjs/swagger';

export class RouteScopeDto {
  @ApiProperty({ example: ['GET', 'HEAD'], description: 'HTTP methods, or ["*"] for all' })
  methods!: string[];

  @ApiProperty({ example: '/v1/quotes/*', description: 'Path pattern: *, /a/:param, /a/*' })
  pattern!: string;
}

const SCOPES_SCHEMA: ApiPropertyOptions = {
  type: 'array',
  items: { oneOf: [{ type: 'string', enum: ['usage:read'] }, { $ref: getSchemaPath(RouteScopeDto) }] },
  example: ['usage:read', { methods: ['GET'], pattern: '/v1/quotes/*' }],
};

export class RateLimitDto {
  @ApiProperty({ example: 10, description: 'Requests per second (0.001 to 1,000,000, at most 3 decimals)' })
  rate!: number;

  @ApiProperty({ example: 20, description: 'Requests allowed at once (whole number)' })
  burst!: number;
}

export class QuotasDto {
  @ApiPropertyOptional({ example: 100000, nullable: true, description: 'Per day in the customer timezone' })
  requestsPerDay?: number | null;

  @ApiPropertyOptional({
    example: '2500.5',
    nullable: true,
    description: 'Credits per month in the customer timezone: a decimal string',
  })
  creditsPerMonth?: string | null;
}

@ApiExtraModels(RouteScopeDto)
export class CreateApiKeyDto {
  @ApiProperty({ example: 'checkout backend', description: 'Application or project label' })
  name!: string;

  @ApiPropertyOptional({ enum: ['live', 'test'], default: 'live' })
  environment?: 'live' | 'test';

  @ApiPropertyOptional({
    ...SCOPES_SCHEMA,
    description: 'Default: every gateway call ({ methods: ["*"], pattern: "*" }) and usage:read',
  })
  scopes?: unknown[];

  @ApiPropertyOptional({ format: 'date-time', nullable: true, example: '2031-01-01T00:00:00Z' })
  expiresAt?: string | null;

  @ApiPropertyOptional({ type: RateLimitDto, nullable: true })
  rateLimit?: RateLimitDto | null;

  @ApiPropertyOptional({ type: QuotasDto, nullable: true })
  quotas?: QuotasDto | null;
}

@ApiExtraModels(RouteScopeDto)
export class UpdateApiKeyDto {
  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional(SCOPES_SCHEMA)
  scopes?: unknown[];

  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  expiresAt?: string | null;

  @ApiPropertyOptional({ type: RateLimitDto, nullable: true, description: 'null removes the rate limit' })
  rateLimit?: RateLimitDto | null;

  @ApiPropertyOptional({ type: QuotasDto, nullable: true, description: 'null removes both quotas' })
  quotas?: QuotasDto | null;

  @ApiPropertyOptional({ enum: ['active', 'suspended'] })
  status?: 'active' | 'suspended';
}

export class RotateDto {
  @ApiPropertyOptional({
    default: 86400,
    minimum: 0,
    maximum: 2592000,
    description: 'How long the previous secret keeps working; 0 = it stops now',
  })
  gracePeriodSeconds?: number;
}

export class PreviousSecretDto {
  @ApiProperty({ example: 'km_live_0AbC' })
  prefix!: string;

  @ApiProperty({ format: 'date-time' })
  validUntil!: string;
}

@ApiExtraModels(RouteScopeDto)
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ enum: ['live', 'test'] }) environment!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'km_live_0AbC', description: 'Display prefix of the current secret' })
  prefix!: string;
  @ApiProperty({ enum: ['active', 'suspended', 'revoked', 'expired'] }) status!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty(SCOPES_SCHEMA) scopes!: unknown[];
  @ApiProperty({ type: RateLimitDto, nullable: true }) rateLimit!: RateLimitDto | null;
  @ApiProperty({ type: QuotasDto }) quotas!: QuotasDto;
  @ApiProperty({ type: [PreviousSecretDto], description: 'Rotated-out secrets still in their grace period' })
  previousSecrets!: PreviousSecretDto[];
  @ApiProperty({ description: 'Increases with every change' }) revision!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true }) lastUsedAt!: string | null;
}

export class ApiKeyWithSecretDto extends ApiKeyDto {
  @ApiProperty({
    example: 'km_live_002m5tuTuyngBseW3FGiRdZQys4Y2RMP94aw6fp',
    description: 'The plaintext key. Returned this once only: store it now',
  })
  key!: string;
}

export class CreateIngestTokenDto {
  @ApiProperty({ example: 'kong eu-west' })
  name!: string;
}

export class IngestTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'km_ingest_0AbC' }) prefix!: string;
  @ApiProperty({ enum: ['active', 'revoked'] }) status!: string;
  @ApiProperty({ type: [PreviousSecretDto] }) previousSecrets!: PreviousSecretDto[];
  @ApiProperty() revision!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) revokedAt!: string | null;
}

export class IngestTokenWithSecretDto extends IngestTokenDto {
  @ApiProperty({ description: 'The plaintext token (km_ingest_…). Returned this once only' })
  token!: string;
}

export class AuditEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ example: { type: 'admin_token', id: 'uuid', label: 'ADMIN_TOKEN' } })
  actor!: Record<string, unknown>;
  @ApiProperty({ example: 'key.rotated' }) action!: string;
  @ApiProperty({ example: { type: 'api_key', id: 'uuid' } }) subject!: Record<string, unknown>;
  @ApiProperty({ description: 'Changed settings; never a secret or a hash' }) details!: Record<
    string,
    unknown
  >;
}
