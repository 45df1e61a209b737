import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class MintPortalLinkDto {
  @ApiPropertyOptional({ description: 'Lifetime in seconds, 60 to 86400 (default 3600)', example: 3600 })
  ttlSeconds?: number;
}

export class PortalLinkDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ example: 'km_portal_0AbC' }) prefix!: string;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt!: string | null;
}

export class PortalLinkWithTokenDto extends PortalLinkDto {
  @ApiProperty({ description: 'The plaintext portal token, shown this once' }) token!: string;
  @ApiProperty({
    description:
      "The dashboard's customer view with the token in the URL fragment (never sent to the server)",
    example: 'http://127.0.0.1:8082/dashboard/portal#token=km_portal_…',
  })
  url!: string;
}
