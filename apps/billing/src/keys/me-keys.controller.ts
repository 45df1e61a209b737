import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyService, type ApiKeyView, type AuthenticatedCustomer } from '@keymeter/keys';
import { CurrentCustomer, RequireScope } from '../auth';
import { ApiKeyDto } from './keys.dto';

@ApiTags('customer API')
@Controller('v1/me')
export class MeKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Get('keys')
  @RequireScope('usage:read')
  @ApiOkResponse({ type: [ApiKeyDto], description: "The keys of the calling key's customer, and no other" })
  list(@CurrentCustomer() caller: AuthenticatedCustomer): Promise<ApiKeyView[]> {
    return this.keys.listForCustomer(caller.customerId);
  }
}
