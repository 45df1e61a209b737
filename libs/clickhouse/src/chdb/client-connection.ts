import type { ClickHouseClientConfigOptions } from '@clickhouse/client';

/** The connection contract `createClient({ connection })` accepts, in @clickhouse/client's own types. */
export type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

/**
 * A chdb session as @clickhouse/client sees it. chdb declares the same contract against its own copy of
 * @clickhouse/client-common, whose `SettingsMap` class is nominally distinct, so the two only meet by a cast.
 */
export type ChdbSession = ClientConnection;
