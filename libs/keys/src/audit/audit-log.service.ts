import type { DataSource } from 'typeorm';
import { AuditLogEntity } from '@keymeter/database';
import { ApiError } from '@keymeter/platform';
import { toAuditEntryView, type AuditEntryView, type AuditSubjectType } from './audit-log';

export const AUDIT_SUBJECT_TYPES: readonly AuditSubjectType[] = [
  'customer',
  'api_key',
  'ingest_token',
  'admin_token',
  'portal_link',
];

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Reads the audit log, newest first. */
export class AuditLogService {
  constructor(private readonly dataSource: DataSource) {}

  async list(query: {
    readonly subjectType?: unknown;
    readonly subjectId?: unknown;
    readonly limit?: unknown;
  }): Promise<AuditEntryView[]> {
    const issues = [];
    const { subjectType, subjectId } = query;
    if (subjectType !== undefined && !AUDIT_SUBJECT_TYPES.includes(subjectType as AuditSubjectType)) {
      issues.push({ field: 'subjectType', reason: `must be one of ${AUDIT_SUBJECT_TYPES.join(', ')}` });
    }
    if (subjectId !== undefined && (typeof subjectId !== 'string' || subjectId === '')) {
      issues.push({ field: 'subjectId', reason: 'must be a non-empty string' });
    }
    const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      issues.push({ field: 'limit', reason: `must be a whole number from 1 to ${MAX_LIMIT}` });
    }
    if (issues.length > 0) throw ApiError.validation(issues);
    const where: Partial<Pick<AuditLogEntity, 'subjectType' | 'subjectId'>> = {};
    if (subjectType !== undefined) where.subjectType = subjectType as string;
    if (subjectId !== undefined) where.subjectId = subjectId as string;
    const entries = await this.dataSource
      .getRepository(AuditLogEntity)
      .find({ where, order: { id: 'DESC' }, take: limit });
    return entries.map(toAuditEntryView);
  }
}
