// The database: SQLite by default (better-sqlite3, a file beside the service, nothing to
// set up), PostgreSQL when DATABASE_URL is set (pg). One interface over both: `tx(fn)`
// runs `fn(q)` in one transaction (rolled back if it throws: nothing is half-written),
// where `q.all/get/run(sql, params)` take `?` placeholders.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, revision BIGINT NOT NULL DEFAULT 0,
  billing_plan TEXT NOT NULL DEFAULT 'team', settings TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS permissions (
  tenant TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL, grp TEXT, description TEXT,
  position INTEGER NOT NULL, PRIMARY KEY (tenant, name));
CREATE TABLE IF NOT EXISTS scopes (
  tenant TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL, parent TEXT, kind TEXT, name TEXT,
  position INTEGER NOT NULL, PRIMARY KEY (tenant, id));
CREATE TABLE IF NOT EXISTS roles (
  tenant TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL, system BOOLEAN NOT NULL,
  description TEXT, permissions TEXT NOT NULL, extends TEXT NOT NULL DEFAULT '[]',
  min_holders INTEGER, max_holders INTEGER, position INTEGER NOT NULL, PRIMARY KEY (tenant, name));
CREATE TABLE IF NOT EXISTS subjects (
  tenant TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL, kind TEXT NOT NULL,
  email TEXT, active BOOLEAN NOT NULL, token_sha256 TEXT, position INTEGER NOT NULL,
  PRIMARY KEY (tenant, id));
CREATE TABLE IF NOT EXISTS grants (
  tenant TEXT NOT NULL, subject TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL,
  PRIMARY KEY (tenant, subject, role, scope),
  FOREIGN KEY (tenant, subject) REFERENCES subjects(tenant, id),
  FOREIGN KEY (tenant, role) REFERENCES roles(tenant, name));
`;

/** Opens the database named by `url` (`postgres://...`), else the SQLite file `file`. */
export async function open({ url, file }) {
  return url ? openPostgres(url) : openSqlite(file);
}

async function openSqlite(file) {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.exec(SCHEMA);
  const bool = (params) => params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p));
  const q = {
    all: async (sql, params = []) => db.prepare(sql).all(bool(params)),
    get: async (sql, params = []) => db.prepare(sql).get(bool(params)) ?? null,
    run: async (sql, params = []) => db.prepare(sql).run(bool(params)).changes,
  };
  // better-sqlite3 is synchronous: one transaction at a time, queued, with BEGIN
  // IMMEDIATE so concurrent writers wait instead of failing mid-change.
  let queue = Promise.resolve();
  return {
    kind: "sqlite",
    tx(fn) {
      const run = queue.then(async () => {
        db.exec("BEGIN IMMEDIATE");
        try {
          const result = await fn(q);
          db.exec("COMMIT");
          return result;
        } catch (error) {
          db.exec("ROLLBACK");
          throw error;
        }
      });
      queue = run.catch(() => {});
      return run;
    },
    close: async () => db.close(),
    bool: (v) => v === 1 || v === true,
  };
}

async function openPostgres(url) {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  await pool.query(SCHEMA);
  const numbered = (sql) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    kind: "postgres",
    async tx(fn) {
      const client = await pool.connect();
      try {
        // SERIALIZABLE with a table lock per tenant change: rules that count rows (one
        // owner, last admin) cannot be raced by a concurrent change.
        await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
        await client.query("LOCK TABLE tenants IN EXCLUSIVE MODE");
        const q = {
          all: async (sql, params = []) => (await client.query(numbered(sql), params)).rows,
          get: async (sql, params = []) => (await client.query(numbered(sql), params)).rows[0] ?? null,
          run: async (sql, params = []) => (await client.query(numbered(sql), params)).rowCount,
        };
        const result = await fn(q);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
    bool: (v) => v === true || v === 1,
  };
}
