import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  AlertEvaluator,
  AlertService,
  type AlertPolicyView,
  type AlertView,
  type MinuteEvaluation,
} from '@keymeter/alerts';
import { adminActor, type AdminIdentity } from '@keymeter/keys';
import { ApiError } from '@keymeter/platform';
import { AdminAuth, CurrentAdmin } from '../auth';
import {
  AlertDto,
  AlertPolicyDto,
  AlertPolicyViewDto,
  EvaluateMinuteDto,
  ResolveAlertDto,
} from './alerts.dto';

const INVALID = {
  description: 'Invalid field (code `invalid_request`; details name each field); nothing changed',
};

@ApiTags('alerts')
@AdminAuth()
@Controller('v1')
export class AlertsController {
  constructor(
    private readonly alerts: AlertService,
    private readonly evaluator: AlertEvaluator,
  ) {}

  @Get('alerts')
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'acknowledged', 'resolved'] })
  @ApiQuery({ name: 'kind', required: false })
  @ApiQuery({ name: 'customerId', required: false })
  @ApiQuery({ name: 'keyId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1000, default 100' })
  @ApiQuery({
    name: 'before',
    required: false,
    description: 'Next page: the id of the last alert of this one',
  })
  @ApiOkResponse({ type: [AlertDto], description: 'Newest first' })
  @ApiBadRequestResponse(INVALID)
  list(
    @Query('status') status?: string,
    @Query('kind') kind?: string,
    @Query('customerId') customerId?: string,
    @Query('keyId') keyId?: string,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
  ): Promise<AlertView[]> {
    return this.alerts.list({ status, kind, customerId, keyId, limit, before });
  }

  @Get('alerts/:id')
  @ApiOkResponse({ type: AlertDto })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<AlertView> {
    return this.alerts.get(id);
  }

  @Post('alerts/:id/ack')
  @HttpCode(200)
  @ApiOkResponse({ type: AlertDto, description: 'Acknowledged; acknowledging again changes nothing' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The alert is resolved (code `alert_resolved`)' })
  acknowledge(@Param('id') id: string, @CurrentAdmin() admin: AdminIdentity): Promise<AlertView> {
    return this.alerts.acknowledge(id, adminActor(admin));
  }

  @Post('alerts/:id/resolve')
  @HttpCode(200)
  @ApiBody({ type: ResolveAlertDto, required: false })
  @ApiOkResponse({ type: AlertDto, description: 'Resolved; its actions stay until reverted' })
  @ApiBadRequestResponse(INVALID)
  @ApiNotFoundResponse()
  resolve(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentAdmin() admin: AdminIdentity,
  ): Promise<AlertView> {
    return this.alerts.resolve(id, body, adminActor(admin));
  }

  @Post('alerts/:id/actions/:actionId/revert')
  @HttpCode(200)
  @ApiOkResponse({ type: AlertDto, description: "The key's previous values are restored" })
  @ApiNotFoundResponse()
  @ApiConflictResponse({
    description: 'Reverted already (`action_reverted`) or the key changed since (`action_superseded`)',
  })
  revert(
    @Param('id') id: string,
    @Param('actionId') actionId: string,
    @CurrentAdmin() admin: AdminIdentity,
  ): Promise<AlertView> {
    return this.alerts.revertAction(id, actionId, adminActor(admin));
  }

  /** Evaluates one minute now (operations, tests); a minute already evaluated is not evaluated again. */
  @Post('alerts/evaluate')
  @HttpCode(200)
  @ApiBody({ type: EvaluateMinuteDto })
  @ApiOkResponse({
    description: 'What the evaluation did (`evaluated: false` when the minute was done before)',
  })
  @ApiBadRequestResponse(INVALID)
  evaluate(@Body() body: unknown): Promise<MinuteEvaluation> {
    const minute = (body as { minute?: unknown } | undefined)?.minute;
    const ms = typeof minute === 'string' ? Date.parse(minute) : Number.NaN;
    if (!Number.isFinite(ms) || ms > Date.now()) {
      throw ApiError.validation([
        { field: 'minute', reason: 'must be an ISO instant that is not in the future' },
      ]);
    }
    return this.evaluator.evaluate(Math.floor(ms / 60_000));
  }

  @Get('customers/:id/alert-policy')
  @ApiOkResponse({ type: AlertPolicyViewDto, description: 'No policy: no rules (alerts only, no actions)' })
  @ApiNotFoundResponse({ description: 'Unknown customer' })
  getPolicy(@Param('id') customerId: string): Promise<AlertPolicyView> {
    return this.alerts.getPolicy(customerId);
  }

  @Put('customers/:id/alert-policy')
  @ApiBody({ type: AlertPolicyDto })
  @ApiOkResponse({ type: AlertPolicyViewDto })
  @ApiBadRequestResponse(INVALID)
  @ApiNotFoundResponse({ description: 'Unknown customer' })
  putPolicy(
    @Param('id') customerId: string,
    @Body() body: unknown,
    @CurrentAdmin() admin: AdminIdentity,
  ): Promise<AlertPolicyView> {
    return this.alerts.putPolicy(customerId, body, adminActor(admin));
  }
}
