import { HttpStatus } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AlertActionEntity, type AlertEntity } from '@keymeter/database';
import { tightenedRateLimit, type AlertActionSpec } from '@keymeter/domain';
import type { ApiKeyService, AuditActor, KeyProtectionChange, KeyProtectionState } from '@keymeter/keys';
import { ApiError } from '@keymeter/platform';

/** The automatic actor of actions taken by a policy (audit log `actor_type = system`). */
export const ALERT_POLICY_ACTOR: AuditActor = { type: 'system', label: 'alert policy' };

function actorLabel(actor: AuditActor): string {
  return actor.type === 'admin_token' ? actor.label : `system: ${actor.label}`;
}

/** The change an action makes to a key in its current state, with what it was; null when nothing changes. */
function planAction(
  spec: AlertActionSpec,
  state: KeyProtectionState,
  now: Date,
): {
  change: KeyProtectionChange;
  previous: Record<string, unknown>;
  applied: Record<string, unknown>;
} | null {
  if (state.status === 'revoked') return null;
  switch (spec.type) {
    case 'suspend_key':
      if (state.status === 'suspended') return null;
      return {
        change: { status: 'suspended' },
        previous: { status: state.status },
        applied: { status: 'suspended' },
      };
    case 'tighten_rate_limit': {
      const next = tightenedRateLimit(state.rateLimit, spec);
      if (next === null) return null;
      return {
        change: { rateLimit: next },
        previous: { rateLimit: state.rateLimit },
        applied: { rateLimit: next },
      };
    }
    case 'require_rotation': {
      const deadline = new Date(now.getTime() + spec.deadlineSeconds * 1000);
      const current = state.currentSecret.validUntil;
      if (current !== null && Date.parse(current) <= deadline.getTime()) return null;
      return {
        change: { currentSecretValidUntil: deadline },
        previous: { secretPrefix: state.currentSecret.prefix, secretValidUntil: current },
        applied: { secretPrefix: state.currentSecret.prefix, secretValidUntil: deadline.toISOString() },
      };
    }
  }
}

/**
 * Takes a policy action on the alert's key inside the caller's transaction, through key management (audit
 * entry, revision, registry snapshot: gateways see it within seconds). Returns the recorded action, or null
 * when the key is already at least that protected (nothing to revert later).
 */
export async function applyKeyAction(
  manager: EntityManager,
  keys: ApiKeyService,
  alert: AlertEntity,
  spec: AlertActionSpec,
  now: Date,
): Promise<AlertActionEntity | null> {
  const { keyId, customerId } = alert;
  // A network alert has no key to act on (policies are per customer, and it belongs to none).
  if (keyId === null || customerId === null) return null;
  const state = await keys.protectionStateIn(manager, keyId);
  const plan = planAction(spec, state, now);
  if (plan === null) return null;
  const action = await manager.save(
    manager.create(AlertActionEntity, {
      alertId: alert.id,
      customerId,
      keyId,
      type: spec.type,
      status: 'applied',
      previous: plan.previous,
      applied: plan.applied,
      appliedAt: now,
      appliedBy: actorLabel(ALERT_POLICY_ACTOR),
      revertedAt: null,
      revertedBy: null,
    }),
  );
  await keys.changeProtectionIn(
    manager,
    keyId,
    plan.change,
    ALERT_POLICY_ACTOR,
    'key.protection_applied',
    {
      alertId: alert.id,
      alertKind: alert.kind,
      actionId: action.id,
      type: spec.type,
      from: plan.previous,
      to: plan.applied,
    },
    now,
  );
  return action;
}

/** The key still holds what the action set (nobody changed it since), so restoring the previous values is safe. */
function stillApplied(action: AlertActionEntity, state: KeyProtectionState): boolean {
  switch (action.type) {
    case 'suspend_key':
      return state.status === action.applied.status;
    case 'tighten_rate_limit':
      return JSON.stringify(state.rateLimit) === JSON.stringify(action.applied.rateLimit);
    default:
      return (
        state.currentSecret.prefix === action.applied.secretPrefix &&
        state.currentSecret.validUntil === action.applied.secretValidUntil
      );
  }
}

function revertChange(action: AlertActionEntity): KeyProtectionChange {
  switch (action.type) {
    case 'suspend_key':
      return { status: action.previous.status as 'active' | 'suspended' };
    case 'tighten_rate_limit':
      return { rateLimit: action.previous.rateLimit as KeyProtectionChange['rateLimit'] };
    default: {
      const until = action.previous.secretValidUntil as string | null;
      return { currentSecretValidUntil: until === null ? null : new Date(until) };
    }
  }
}

/**
 * Restores exactly the values the action replaced, in the caller's transaction (action row locked). 409 when
 * it was reverted already, or when the key changed since (a person decided otherwise; nothing is overwritten).
 */
export async function revertKeyAction(
  manager: EntityManager,
  keys: ApiKeyService,
  action: AlertActionEntity,
  actor: AuditActor,
  now: Date,
): Promise<AlertActionEntity> {
  if (action.status === 'reverted') {
    throw new ApiError(HttpStatus.CONFLICT, 'action_reverted', `action ${action.id} was reverted already`);
  }
  const state = await keys.protectionStateIn(manager, action.keyId);
  if (state.status === 'revoked' || !stillApplied(action, state)) {
    throw new ApiError(
      HttpStatus.CONFLICT,
      'action_superseded',
      `action ${action.id}: the key changed since the action (now ${JSON.stringify({ status: state.status, rateLimit: state.rateLimit })}); nothing was restored`,
    );
  }
  await keys.changeProtectionIn(
    manager,
    action.keyId,
    revertChange(action),
    actor,
    'key.protection_reverted',
    {
      alertId: action.alertId,
      actionId: action.id,
      type: action.type,
      from: action.applied,
      to: action.previous,
    },
    now,
  );
  action.status = 'reverted';
  action.revertedAt = now;
  action.revertedBy = actorLabel(actor);
  return manager.save(action);
}
