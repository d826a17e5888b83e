using Microsoft.Data.Sqlite;

namespace GenieHive.Control.Registry;

/// <summary>
/// The registry's SQLite schema (config.md §6) and its versioning by <c>PRAGMA user_version</c>: 0 and empty →
/// create; 0 with the Python GenieHive's tables → adopt (missing columns added, <c>created_at := updated_at</c>);
/// newer than <see cref="Version"/> → <see cref="RegistryOpenException"/>, file untouched.
/// </summary>
public static class RegistrySchema
{
    public const int Version = 1;

    private static readonly (string Table, string Create)[] Tables =
    [
        ("hosts", """
            CREATE TABLE IF NOT EXISTS hosts (
              host_id TEXT PRIMARY KEY, display_name TEXT, address TEXT NOT NULL,
              labels_json TEXT NOT NULL, capabilities_json TEXT NOT NULL, resources_json TEXT NOT NULL,
              status_state TEXT NOT NULL DEFAULT 'online', last_seen REAL NOT NULL,
              metrics_json TEXT NOT NULL DEFAULT '{}',
              node_key_digest TEXT, instance_id TEXT, agent_url TEXT)
            """),
        ("services", """
            CREATE TABLE IF NOT EXISTS services (
              service_id TEXT PRIMARY KEY, host_id TEXT NOT NULL REFERENCES hosts(host_id),
              kind TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL,
              runtime_json TEXT NOT NULL, assets_json TEXT NOT NULL, state_json TEXT NOT NULL, observed_json TEXT NOT NULL,
              updated_at REAL NOT NULL, created_at REAL)
            """),
        ("roles", """
            CREATE TABLE IF NOT EXISTS roles (
              role_id TEXT PRIMARY KEY, display_name TEXT, description TEXT,
              operation TEXT NOT NULL, modality TEXT NOT NULL,
              prompt_policy_json TEXT NOT NULL, routing_policy_json TEXT NOT NULL,
              updated_at REAL NOT NULL, created_at REAL)
            """),
        ("benchmark_samples", """
            CREATE TABLE IF NOT EXISTS benchmark_samples (
              benchmark_id TEXT PRIMARY KEY, service_id TEXT NOT NULL, asset_id TEXT, workload TEXT NOT NULL,
              observed_at REAL NOT NULL, results_json TEXT NOT NULL)
            """),
    ];

    /// <summary>Columns the Python GenieHive's tables lack, added on adoption.</summary>
    private static readonly (string Table, string Column, string Definition)[] NewColumns =
    [
        ("hosts", "node_key_digest", "TEXT"),
        ("hosts", "instance_id", "TEXT"),
        ("hosts", "agent_url", "TEXT"),
        ("hosts", "metrics_json", "TEXT NOT NULL DEFAULT '{}'"),
        ("hosts", "status_state", "TEXT NOT NULL DEFAULT 'online'"),
        ("services", "created_at", "REAL"),
        ("roles", "created_at", "REAL"),
    ];

    private const string Indexes = """
        CREATE INDEX IF NOT EXISTS ix_services_host_id ON services(host_id);
        CREATE INDEX IF NOT EXISTS ix_benchmark_samples_service_id ON benchmark_samples(service_id);
        """;

    /// <summary>Opens (creating parent folders), checks the version, migrates and sets the pragmas.</summary>
    public static SqliteConnection Open(string path)
    {
        var inMemory = path == ":memory:";
        if (!inMemory)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout=5000;");
            var version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version;"));
            if (version > Version)
            {
                throw new RegistryOpenException(
                    $"registry schema version {version} is newer than this build understands ({Version}); the file was left untouched");
            }

            if (!inMemory)
            {
                Execute(connection, "PRAGMA journal_mode=WAL;");
            }

            Execute(connection, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
            if (version == 0)
            {
                CreateOrAdopt(connection);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void CreateOrAdopt(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        foreach (var (_, create) in Tables)
        {
            Execute(connection, create, transaction);
        }

        foreach (var (table, column, definition) in NewColumns)
        {
            if (!HasColumn(connection, transaction, table, column))
            {
                Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition};", transaction);
            }
        }

        Execute(connection, "UPDATE services SET created_at = updated_at WHERE created_at IS NULL;", transaction);
        Execute(connection, "UPDATE roles SET created_at = updated_at WHERE created_at IS NULL;", transaction);
        Execute(connection, Indexes, transaction);
        Execute(connection, $"PRAGMA user_version = {Version};", transaction);
        transaction.Commit();
    }

    private static bool HasColumn(SqliteConnection connection, SqliteTransaction transaction, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column;";
        command.Parameters.AddWithValue("$column", column);
        return Convert.ToInt64(command.ExecuteScalar()) > 0;
    }

    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
