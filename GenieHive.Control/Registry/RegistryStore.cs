using System.Buffers;
using System.Text;
using System.Text.Json;
using GenieHive.Control.Api;
using Microsoft.Data.Sqlite;

namespace GenieHive.Control.Registry;

/// <summary>
/// The registry's SQL, row by row, on the writer's connection and transaction. JSON columns hold compact objects
/// in the wire shape of api.md (written by <see cref="ClusterJson"/>), every field present.
/// </summary>
internal static class RegistryStore
{
    public static List<HostRecord> LoadHosts(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT host_id, display_name, address, labels_json, capabilities_json, resources_json, status_state,
                   last_seen, metrics_json, node_key_digest, instance_id, agent_url
            FROM hosts
            """;
        using var reader = command.ExecuteReader();
        var hosts = new List<HostRecord>();
        while (reader.Read())
        {
            hosts.Add(new HostRecord(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? string.Empty : reader.GetString(2),
                ParseObject(reader, 3),
                ParseObject(reader, 4),
                ParseObject(reader, 5),
                ParseObject(reader, 8),
                reader.IsDBNull(6) ? "online" : reader.GetString(6),
                reader.GetDouble(7),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return hosts;
    }

    public static List<ServiceRecord> LoadServices(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT service_id, host_id, kind, protocol, endpoint, runtime_json, assets_json, state_json, observed_json,
                   updated_at, created_at
            FROM services
            """;
        using var reader = command.ExecuteReader();
        var services = new List<ServiceRecord>();
        while (reader.Read())
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("service_id", reader.GetString(0));
                writer.WriteString("kind", reader.GetString(2));
                writer.WriteString("protocol", reader.GetString(3));
                writer.WriteString("endpoint", reader.GetString(4));
                WriteRawColumn(writer, "runtime", reader, 5);
                WriteRawColumn(writer, "assets", reader, 6);
                WriteRawColumn(writer, "state", reader, 7);
                WriteRawColumn(writer, "observed", reader, 8);
                writer.WriteEndObject();
            }

            using var document = JsonDocument.Parse(buffer.WrittenMemory);
            var updatedAt = reader.GetDouble(9);
            var service = NodePayloadParser.ParseStoredService(document.RootElement, reader.GetString(1));
            services.Add(service with
            {
                UpdatedAt = updatedAt,
                CreatedAt = reader.IsDBNull(10) ? updatedAt : reader.GetDouble(10),
            });
        }

        return services;
    }

    public static Dictionary<string, double> LoadRoleCreatedAt(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT role_id, COALESCE(created_at, updated_at) FROM roles";
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        while (reader.Read())
        {
            result[reader.GetString(0)] = reader.GetDouble(1);
        }

        return result;
    }

    public static List<BenchmarkSample> LoadSamples(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT benchmark_id, service_id, asset_id, workload, observed_at, results_json FROM benchmark_samples";
        using var reader = command.ExecuteReader();
        var samples = new List<BenchmarkSample>();
        while (reader.Read())
        {
            samples.Add(new BenchmarkSample(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.GetDouble(4),
                ParseObject(reader, 5)));
        }

        return samples;
    }

    public static void UpsertHost(SqliteConnection connection, SqliteTransaction transaction, HostRecord host)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO hosts (host_id, display_name, address, labels_json, capabilities_json, resources_json,
                               status_state, last_seen, metrics_json, node_key_digest, instance_id, agent_url)
            VALUES ($id, $display, $address, $labels, $capabilities, $resources, $state, $seen, $metrics, $digest, $instance, $agent)
            ON CONFLICT(host_id) DO UPDATE SET
              display_name = excluded.display_name, address = excluded.address, labels_json = excluded.labels_json,
              capabilities_json = excluded.capabilities_json, resources_json = excluded.resources_json,
              status_state = excluded.status_state, last_seen = excluded.last_seen, metrics_json = excluded.metrics_json,
              node_key_digest = excluded.node_key_digest, instance_id = excluded.instance_id, agent_url = excluded.agent_url
            """);
        command.Parameters.AddWithValue("$id", host.HostId);
        command.Parameters.AddWithValue("$display", (object?)host.DisplayName ?? DBNull.Value);
        command.Parameters.AddWithValue("$address", host.Address);
        command.Parameters.AddWithValue("$labels", ObjectText(host.Labels));
        command.Parameters.AddWithValue("$capabilities", ObjectText(host.Capabilities));
        command.Parameters.AddWithValue("$resources", ObjectText(host.Resources));
        command.Parameters.AddWithValue("$state", host.ReportedState);
        command.Parameters.AddWithValue("$seen", host.LastSeen);
        command.Parameters.AddWithValue("$metrics", ObjectText(host.Metrics));
        command.Parameters.AddWithValue("$digest", (object?)host.NodeKeyDigest ?? DBNull.Value);
        command.Parameters.AddWithValue("$instance", (object?)host.InstanceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$agent", (object?)host.AgentUrl ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public static void UpsertService(SqliteConnection connection, SqliteTransaction transaction, ServiceRecord service)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO services (service_id, host_id, kind, protocol, endpoint, runtime_json, assets_json, state_json,
                                  observed_json, updated_at, created_at)
            VALUES ($id, $host, $kind, $protocol, $endpoint, $runtime, $assets, $state, $observed, $updated, $created)
            ON CONFLICT(service_id) DO UPDATE SET
              host_id = excluded.host_id, kind = excluded.kind, protocol = excluded.protocol, endpoint = excluded.endpoint,
              runtime_json = excluded.runtime_json, assets_json = excluded.assets_json, state_json = excluded.state_json,
              observed_json = excluded.observed_json, updated_at = excluded.updated_at, created_at = excluded.created_at
            """);
        command.Parameters.AddWithValue("$id", service.ServiceId);
        command.Parameters.AddWithValue("$host", service.HostId);
        command.Parameters.AddWithValue("$kind", service.Kind);
        command.Parameters.AddWithValue("$protocol", service.Protocol);
        command.Parameters.AddWithValue("$endpoint", service.Endpoint);
        command.Parameters.AddWithValue("$runtime", ObjectText(service.Runtime));
        command.Parameters.AddWithValue("$assets", Json(w => ClusterJson.WriteAssets(w, service.Assets)));
        command.Parameters.AddWithValue("$state", Json(w => ClusterJson.WriteState(w, service.State)));
        command.Parameters.AddWithValue("$observed", Json(w => ClusterJson.WriteObserved(w, service.Observed)));
        command.Parameters.AddWithValue("$updated", service.UpdatedAt);
        command.Parameters.AddWithValue("$created", service.CreatedAt);
        command.ExecuteNonQuery();
    }

    public static void DeleteService(SqliteConnection connection, SqliteTransaction transaction, string serviceId)
    {
        using var command = Command(connection, transaction, "DELETE FROM services WHERE service_id = $id");
        command.Parameters.AddWithValue("$id", serviceId);
        command.ExecuteNonQuery();
    }

    public static void DeleteHost(SqliteConnection connection, SqliteTransaction transaction, string hostId)
    {
        using (var services = Command(connection, transaction, "DELETE FROM services WHERE host_id = $id"))
        {
            services.Parameters.AddWithValue("$id", hostId);
            services.ExecuteNonQuery();
        }

        using var command = Command(connection, transaction, "DELETE FROM hosts WHERE host_id = $id");
        command.Parameters.AddWithValue("$id", hostId);
        command.ExecuteNonQuery();
    }

    public static void UpsertSample(SqliteConnection connection, SqliteTransaction transaction, BenchmarkSample sample)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO benchmark_samples (benchmark_id, service_id, asset_id, workload, observed_at, results_json)
            VALUES ($id, $service, $asset, $workload, $observed, $results)
            ON CONFLICT(benchmark_id) DO UPDATE SET
              service_id = excluded.service_id, asset_id = excluded.asset_id, workload = excluded.workload,
              observed_at = excluded.observed_at, results_json = excluded.results_json
            """);
        command.Parameters.AddWithValue("$id", sample.BenchmarkId);
        command.Parameters.AddWithValue("$service", sample.ServiceId);
        command.Parameters.AddWithValue("$asset", (object?)sample.AssetId ?? DBNull.Value);
        command.Parameters.AddWithValue("$workload", sample.Workload);
        command.Parameters.AddWithValue("$observed", sample.ObservedAt);
        command.Parameters.AddWithValue("$results", ObjectText(sample.Results));
        command.ExecuteNonQuery();
    }

    /// <summary>The registry's roles become exactly <paramref name="roles"/> (D13).</summary>
    public static void ReplaceRoles(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyCollection<RoleRecord> roles)
    {
        using (var existing = Command(connection, transaction, "SELECT role_id FROM roles"))
        using (var reader = existing.ExecuteReader())
        {
            var stale = new List<string>();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                if (!roles.Any(r => r.RoleId == id))
                {
                    stale.Add(id);
                }
            }

            reader.Close();
            foreach (var id in stale)
            {
                using var delete = Command(connection, transaction, "DELETE FROM roles WHERE role_id = $id");
                delete.Parameters.AddWithValue("$id", id);
                delete.ExecuteNonQuery();
            }
        }

        foreach (var role in roles)
        {
            using var command = Command(connection, transaction, """
                INSERT INTO roles (role_id, display_name, description, operation, modality, prompt_policy_json,
                                   routing_policy_json, updated_at, created_at)
                VALUES ($id, $display, $description, $operation, $modality, $prompt, $routing, $updated, $created)
                ON CONFLICT(role_id) DO UPDATE SET
                  display_name = excluded.display_name, description = excluded.description, operation = excluded.operation,
                  modality = excluded.modality, prompt_policy_json = excluded.prompt_policy_json,
                  routing_policy_json = excluded.routing_policy_json, updated_at = excluded.updated_at,
                  created_at = excluded.created_at
                """);
            command.Parameters.AddWithValue("$id", role.RoleId);
            command.Parameters.AddWithValue("$display", (object?)role.DisplayName ?? DBNull.Value);
            command.Parameters.AddWithValue("$description", (object?)role.Description ?? DBNull.Value);
            command.Parameters.AddWithValue("$operation", role.Operation);
            command.Parameters.AddWithValue("$modality", role.Modality);
            command.Parameters.AddWithValue("$prompt", Json(w => ClusterJson.WritePromptPolicy(w, role.PromptPolicy)));
            command.Parameters.AddWithValue("$routing", Json(w => ClusterJson.WriteRoutingPolicy(w, role.RoutingPolicy)));
            command.Parameters.AddWithValue("$updated", role.UpdatedAt);
            command.Parameters.AddWithValue("$created", role.CreatedAt);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The text a service is stored as, to skip rewriting unchanged services on heartbeats.</summary>
    public static string Fingerprint(ServiceRecord service) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("host_id", service.HostId);
        w.WriteString("kind", service.Kind);
        w.WriteString("protocol", service.Protocol);
        w.WriteString("endpoint", service.Endpoint);
        w.WritePropertyName("runtime");
        service.Runtime.WriteTo(w);
        w.WritePropertyName("assets");
        ClusterJson.WriteAssets(w, service.Assets);
        w.WritePropertyName("state");
        ClusterJson.WriteState(w, service.State);
        w.WritePropertyName("observed");
        ClusterJson.WriteObserved(w, service.Observed);
        w.WriteEndObject();
    });

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static string ObjectText(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? Json(element.WriteTo) : "{}";

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, Utf8JsonResult.WriterOptions))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static JsonElement ParseObject(SqliteDataReader reader, int ordinal)
    {
        var text = reader.IsDBNull(ordinal) ? "{}" : reader.GetString(ordinal);
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? document.RootElement.Clone()
            : ClusterJson.EmptyObject;
    }

    private static void WriteRawColumn(Utf8JsonWriter writer, string name, SqliteDataReader reader, int ordinal)
    {
        writer.WritePropertyName(name);
        if (reader.IsDBNull(ordinal) || string.IsNullOrWhiteSpace(reader.GetString(ordinal)))
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(reader.GetString(ordinal));
        }
    }
}
