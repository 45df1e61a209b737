const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Database names are interpolated into DDL (`CREATE DATABASE`, `USE`), so only plain identifiers pass. */
export function assertDatabaseName(database: string): string {
  if (!DATABASE_NAME.test(database)) {
    throw new Error(
      `database: expected an identifier (letters, digits, underscore; at most 63 characters), got ${JSON.stringify(database)}`,
    );
  }
  return database;
}
