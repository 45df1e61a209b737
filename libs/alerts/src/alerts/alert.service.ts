import { HttpStatus } from '@nestjs/common';
import { In, type DataSource, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { AlertActionEntity, AlertEntity, AlertPolicyEntity, CustomerEntity } from '@keymeter/database';
import {
  ALERT_STATUSES,
  ANOMALY_KINDS,
  type AlertPolicyRule,
  type ThresholdOverrides,
} from '@keymeter/domain';
import type { ApiKeyService, AuditActor } from '@keymeter/keys';
import { ApiError, type FieldIssue } from '@keymeter/platform';
import { parseAlertPolicyDocument } from '../policies/alert-policy-input';
import { announceAction, announceAlert } from './alert-announcements';
import { toAlertView, type AlertView } from './alert-views';
import { revertKeyAction } from './key-actions';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const REASON_MAX_LENGTH = 500;

export interface AlertListQuery {
  readonly status?: unknown;
  readonly kind?: unknown;
  readonly customerId?: unknown;
  readonly keyId?: unknown;
  readonly limit?: unknown;
  /** Cursor: the id of the last alert of the previous page. */
  readonly before?: unknown;
}

export interface AlertPolicyView {
  readonly customerId: string;
  readonly rules: AlertPolicyRule[];
  /** Detection thresholds of this customer's keys over the defaults. */
  readonly thresholds: ThresholdOverrides;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

function actorLabel(actor: AuditActor): string {
  return actor.type === 'admin_token' ? actor.label : `system: ${actor.label}`;
}

function optionalText(value: unknown, field: string, issues: FieldIssue[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    issues.push({ field, reason: 'must be a non-empty string' });
    return undefined;
  }
  return value;
}

/**
 * Alerts as people see them: lists (newest first, keyset pagination), one alert with its actions,
 * acknowledge, resolve, revert of an action, and the customers' alert policies. Every change runs in one
 * transaction with the alert row locked and records its webhook event in it.
 */
export class AlertService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: ApiKeyService,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async list(query: AlertListQuery): Promise<AlertView[]> {
    const issues: FieldIssue[] = [];
    const status = optionalText(query.status, 'status', issues);
    if (status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(status)) {
      issues.push({ field: 'status', reason: `must be one of ${ALERT_STATUSES.join(', ')}` });
    }
    const kind = optionalText(query.kind, 'kind', issues);
    if (kind !== undefined && !(ANOMALY_KINDS as readonly string[]).includes(kind)) {
      issues.push({ field: 'kind', reason: `must be one of ${ANOMALY_KINDS.join(', ')}` });
    }
    const customerId = optionalText(query.customerId, 'customerId', issues);
    if (customerId !== undefined && !UUID.test(customerId))
      issues.push({ field: 'customerId', reason: 'must be a UUID' });
    const keyId = optionalText(query.keyId, 'keyId', issues);
    if (keyId !== undefined && !UUID.test(keyId)) issues.push({ field: 'keyId', reason: 'must be a UUID' });
    const before = optionalText(query.before, 'before', issues);
    if (before !== undefined && !UUID.test(before))
      issues.push({ field: 'before', reason: 'must be an alert id' });
    const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      issues.push({ field: 'limit', reason: `must be a whole number from 1 to ${MAX_LIMIT}` });
    }
    if (issues.length > 0) throw ApiError.validation(issues);
    const builder = this.dataSource.manager
      .createQueryBuilder(AlertEntity, 'a')
      .orderBy('a.openedAt', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .take(limit);
    if (status !== undefined) builder.andWhere('a.status = :status', { status });
    if (kind !== undefined) builder.andWhere('a.kind = :kind', { kind });
    if (customerId !== undefined) builder.andWhere('a.customerId = :customerId', { customerId });
    if (keyId !== undefined) builder.andWhere('a.keyId = :keyId', { keyId });
    if (before !== undefined) {
      const cursor = await this.dataSource.manager.findOneBy(AlertEntity, { id: before });
      if (cursor === null) throw ApiError.validation([{ field: 'before', reason: 'is not an alert id' }]);
      builder.andWhere('(a.openedAt, a.id) < (:openedAt, :id)', { openedAt: cursor.openedAt, id: cursor.id });
    }
    const alerts = await builder.getMany();
    return this.views(this.dataSource.manager, alerts);
  }

  /** One alert; with `customerId`, only if it belongs to that customer (404 otherwise, like an unknown id). */
  async get(id: string, customerId?: string): Promise<AlertView> {
    const alert = await this.find(this.dataSource.manager, id, false, customerId);
    return (await this.views(this.dataSource.manager, [alert]))[0];
  }

  async acknowledge(id: string, actor: AuditActor): Promise<AlertView> {
    return this.dataSource.transaction(async (manager) => {
      const alert = await this.find(manager, id, true);
      if (alert.status === 'resolved') {
        throw new ApiError(HttpStatus.CONFLICT, 'alert_resolved', `alert ${id} is resolved`);
      }
      if (alert.status === 'open') {
        const now = this.clock();
        alert.status = 'acknowledged';
        alert.acknowledgedAt = now;
        alert.acknowledgedBy = actorLabel(actor);
        await manager.save(alert);
        await announceAlert(manager, 'alert.acknowledged', alert, now);
      }
      return (await this.views(manager, [alert]))[0];
    });
  }

  /** Resolves by hand (`{ reason? }`); resolving a resolved alert changes nothing. Actions stay as they are. */
  async resolve(id: string, body: unknown, actor: AuditActor): Promise<AlertView> {
    const input = (body ?? {}) as Record<string, unknown>;
    const issues: FieldIssue[] = [];
    if (typeof input !== 'object' || Array.isArray(input))
      issues.push({ field: 'body', reason: 'must be a JSON object' });
    for (const key of Object.keys(input)) {
      if (key !== 'reason') issues.push({ field: key, reason: 'is not a known property; expected reason' });
    }
    const reason = input.reason ?? 'resolved';
    if (typeof reason !== 'string' || reason.trim() === '' || reason.length > REASON_MAX_LENGTH) {
      issues.push({
        field: 'reason',
        reason: `must be a non-empty string of at most ${REASON_MAX_LENGTH} characters`,
      });
    }
    if (issues.length > 0) throw ApiError.validation(issues);
    return this.dataSource.transaction(async (manager) => {
      const alert = await this.find(manager, id, true);
      if (alert.status !== 'resolved') {
        const now = this.clock();
        alert.status = 'resolved';
        alert.resolvedAt = now;
        alert.resolvedBy = actorLabel(actor);
        alert.resolutionReason = (reason as string).trim();
        await manager.save(alert);
        await announceAlert(manager, 'alert.resolved', alert, now);
      }
      return (await this.views(manager, [alert]))[0];
    });
  }

  /** Restores the key's values from before the action (409 if reverted already or the key changed since). */
  async revertAction(alertId: string, actionId: string, actor: AuditActor): Promise<AlertView> {
    const view = await this.dataSource.transaction(async (manager) => {
      const alert = await this.find(manager, alertId, false);
      const action = UUID.test(actionId)
        ? await manager.findOne(AlertActionEntity, {
            where: { id: actionId, alertId },
            lock: { mode: 'pessimistic_write' },
          })
        : null;
      if (action === null) throw ApiError.notFound(`action ${JSON.stringify(actionId)} of alert ${alertId}`);
      const now = this.clock();
      const reverted = await revertKeyAction(manager, this.keys, action, actor, now);
      await announceAction(manager, 'key.action_reverted', alert, reverted, now);
      return (await this.views(manager, [alert]))[0];
    });
    this.keys.notifyCommitted();
    return view;
  }

  async getPolicy(customerId: string): Promise<AlertPolicyView> {
    await this.requireCustomer(customerId);
    const policy = await this.dataSource.manager.findOneBy(AlertPolicyEntity, { customerId });
    return {
      customerId,
      rules: (policy?.rules ?? []) as AlertPolicyRule[],
      thresholds: policy?.thresholds ?? {},
      updatedAt: policy?.updatedAt.toISOString() ?? null,
      updatedBy: policy?.updatedBy ?? null,
    };
  }

  /** Replaces the customer's policy (validated whole first; a rejected document changes nothing). */
  async putPolicy(customerId: string, body: unknown, actor: AuditActor): Promise<AlertPolicyView> {
    await this.requireCustomer(customerId);
    const { rules, thresholds } = parseAlertPolicyDocument(body);
    const now = this.clock();
    await this.dataSource.manager.upsert(
      AlertPolicyEntity,
      { customerId, rules, thresholds: { ...thresholds }, updatedAt: now, updatedBy: actorLabel(actor) },
      ['customerId'],
    );
    return this.getPolicy(customerId);
  }

  private async requireCustomer(customerId: string): Promise<void> {
    const exists = UUID.test(customerId)
      ? await this.dataSource.manager.existsBy(CustomerEntity, { id: customerId })
      : false;
    if (!exists) throw ApiError.notFound(`customer ${JSON.stringify(customerId)}`);
  }

  private async find(
    manager: EntityManager,
    id: string,
    lock: boolean,
    customerId?: string,
  ): Promise<AlertEntity> {
    const where: FindOptionsWhere<AlertEntity> = { id, ...(customerId === undefined ? {} : { customerId }) };
    const alert = UUID.test(id)
      ? await manager.findOne(AlertEntity, {
          where,
          ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (alert === null) throw ApiError.notFound(`alert ${JSON.stringify(id)}`);
    return alert;
  }

  private async views(manager: EntityManager, alerts: readonly AlertEntity[]): Promise<AlertView[]> {
    if (alerts.length === 0) return [];
    const actions = await manager.findBy(AlertActionEntity, { alertId: In(alerts.map((alert) => alert.id)) });
    return alerts.map((alert) => toAlertView(alert, actions));
  }
}
