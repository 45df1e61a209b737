/**
 * What the pipeline evaluations (`pipeline.ts`, `pipeline-weeks.ts`) share: a Postgres database of their own,
 * the alerts read back from Postgres as episodes, and the report (tables and the misses).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { ANOMALY_SEVERITIES, MINUTE_MS, type AnomalyKind, type AnomalySeverity } from '@keymeter/domain';
import { printScoreTables } from './report-tables';
import type { Episode, ScoreReport } from './scoring';

/** A fresh database on the machine's Postgres, dropped afterwards. */
export async function createBenchDatabase(
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.KEYMETER_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}" TEMPLATE template0`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

interface AlertRow {
  id: string;
  key_id: string | null;
  network: string | null;
  kind: string;
  severity: string;
  opened_at: Date;
  last_seen_at: Date;
}

interface EventRow {
  type: string;
  payload: { data?: { id?: string; severity?: string }; timestamp?: string } & Record<string, unknown>;
  created_at: Date;
}

const rank = (severity: string): number => ANOMALY_SEVERITIES.indexOf(severity as AnomalySeverity);

export interface AlertEpisodes {
  readonly alerts: number;
  /** One episode per alert, from when it opened. */
  readonly all: Episode[];
  /** Alerts that reached medium or above, from when they reached it. */
  readonly mediumOrAbove: Episode[];
}

/**
 * The alerts table (and the `alert.opened` / `alert.updated` events for when an alert reached medium) as
 * scoring episodes: key alerts named by the generated key (`generatedKey`), network alerts by their network;
 * times moved back by `shiftMinutes`. An alert's times are the end of the evaluated minute: minute = end − 1.
 */
export async function readAlertEpisodes(
  dataSource: DataSource,
  generatedKey: ReadonlyMap<string, string>,
  shiftMinutes: number,
): Promise<AlertEpisodes> {
  const alertRows: AlertRow[] = await dataSource.query(
    'SELECT id, key_id, network, kind, severity, opened_at, last_seen_at FROM alerts ORDER BY opened_at',
  );
  const eventRows: EventRow[] = await dataSource.query(
    `SELECT type, payload, created_at FROM webhook_events WHERE type IN ('alert.opened', 'alert.updated')`,
  );
  const reachedMedium = new Map<string, number>();
  for (const row of eventRows) {
    const data = (row.payload.data ?? row.payload) as { id?: string; severity?: string; lastSeenAt?: string };
    if (data.id === undefined || data.severity === undefined || rank(data.severity) < 1) continue;
    const at = Date.parse(data.lastSeenAt ?? row.created_at.toISOString());
    reachedMedium.set(data.id, Math.min(reachedMedium.get(data.id) ?? Number.POSITIVE_INFINITY, at));
  }
  const episodesOf = (minSeverity: 'low' | 'medium'): Episode[] =>
    alertRows
      .filter((row) => rank(row.severity) >= rank(minSeverity))
      .map((row) => {
        const startMs =
          minSeverity === 'medium'
            ? (reachedMedium.get(row.id) ?? new Date(row.opened_at).getTime())
            : new Date(row.opened_at).getTime();
        return {
          key: row.key_id === null ? null : (generatedKey.get(row.key_id) ?? row.key_id),
          network: row.network,
          kind: row.kind as AnomalyKind,
          startMinute: Math.floor(startMs / MINUTE_MS) - 1 - shiftMinutes,
          endMinute: Math.floor(new Date(row.last_seen_at).getTime() / MINUTE_MS) - 1 - shiftMinutes,
          summary: `${row.severity} alert`,
        };
      });
  return { alerts: alertRows.length, all: episodesOf('low'), mediumOrAbove: episodesOf('medium') };
}

export function printReport(title: string, report: ScoreReport): void {
  printScoreTables(title, report, 'alerts');
  for (const label of report.missed) {
    console.log(
      `  missed ${label.id} ${label.kind} ${label.key ?? label.network ?? ''} ${label.start} ${JSON.stringify(label.details)}`,
    );
  }
  for (const { label, delayMinutes } of report.slow) {
    console.log(
      `  slow ${label.id} ${label.kind} ${label.key ?? label.network ?? ''} ${label.start} after ${delayMinutes} min ${JSON.stringify(label.details)}`,
    );
  }
  for (const episode of report.falsePositives) {
    console.log(
      `  unexplained ${episode.kind} ${episode.key ?? episode.network ?? ''} ${new Date(episode.startMinute * MINUTE_MS).toISOString()} ${episode.summary}`,
    );
  }
}
