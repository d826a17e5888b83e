using GenieHive.Control.Registry;
using GenieHive.Tests.Support;
using Microsoft.Data.Sqlite;

namespace GenieHive.Tests.Control.Registry;

public sealed class RegistrySchemaTests
{
    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static SqliteConnection Raw(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    [Fact]
    public void An_empty_file_gets_the_schema_version_1_wal_and_the_indexes()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("state/new.sqlite3");

        using (var connection = RegistrySchema.Open(path))
        {
            Assert.Equal(1L, Scalar(connection, "PRAGMA user_version"));
            Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
            Assert.Equal(1L, Scalar(connection, "PRAGMA foreign_keys"));
            Assert.Equal(5000L, Scalar(connection, "PRAGMA busy_timeout"));
            Assert.Equal(1L, Scalar(connection, "PRAGMA synchronous"));
            Assert.Equal(2L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'"));
            Assert.Equal(4L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('hosts','services','roles','benchmark_samples')"));
        }
    }

    [Fact]
    public void In_memory_registries_skip_wal()
    {
        using var connection = RegistrySchema.Open(":memory:");

        Assert.Equal("memory", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal(1L, Scalar(connection, "PRAGMA user_version"));
    }

    [Fact]
    public void A_python_registry_is_adopted_with_created_at_taken_from_updated_at()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("python.sqlite3");
        using (var python = Raw(path))
        {
            using var command = python.CreateCommand();
            command.CommandText = """
                CREATE TABLE hosts(host_id TEXT PRIMARY KEY, display_name TEXT, address TEXT, labels_json TEXT, capabilities_json TEXT,
                  resources_json TEXT NOT NULL, status_state TEXT NOT NULL DEFAULT 'online', last_seen REAL NOT NULL, metrics_json TEXT NOT NULL DEFAULT '{}');
                CREATE TABLE services(service_id TEXT PRIMARY KEY, host_id TEXT NOT NULL, kind TEXT, protocol TEXT, endpoint TEXT,
                  runtime_json TEXT, assets_json TEXT, state_json TEXT, observed_json TEXT NOT NULL, updated_at REAL NOT NULL);
                CREATE TABLE roles(role_id TEXT PRIMARY KEY, display_name TEXT, description TEXT, operation TEXT, modality TEXT,
                  prompt_policy_json TEXT, routing_policy_json TEXT NOT NULL, updated_at REAL NOT NULL);
                INSERT INTO hosts VALUES ('h1', NULL, '10.0.0.1', '{}', '{}', '{}', 'online', 100.0, '{}');
                INSERT INTO services VALUES ('h1/chat', 'h1', 'chat', 'openai', 'http://10.0.0.1:1', '{}', '[]', '{}', '{}', 123.5);
                """;
            command.ExecuteNonQuery();
        }

        using var connection = RegistrySchema.Open(path);

        Assert.Equal(1L, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal(123.5, Scalar(connection, "SELECT created_at FROM services WHERE service_id = 'h1/chat'"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM pragma_table_info('hosts') WHERE name = 'node_key_digest'"));
        Assert.Equal(0L, Scalar(connection, "SELECT COUNT(*) FROM benchmark_samples"));
    }

    [Fact]
    public void A_registry_from_a_newer_build_is_refused_and_left_untouched()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("future.sqlite3");
        using (var future = Raw(path))
        {
            using var command = future.CreateCommand();
            command.CommandText = "CREATE TABLE hosts(host_id TEXT PRIMARY KEY); PRAGMA user_version = 7;";
            command.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(path);

        var ex = Assert.Throws<RegistryOpenException>(() => RegistrySchema.Open(path));

        Assert.Contains("version 7 is newer", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + "-wal"));
    }
}
