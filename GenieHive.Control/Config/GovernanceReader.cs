using System.Collections.Immutable;

namespace GenieHive.Control.Config;

/// <summary>
/// Later-milestone keys (config.md §1.2, security.md §7–§12): validated like the rest so the Python GenieHive's
/// configs load unchanged; each enabled feature logs that it is not enforced yet.
/// </summary>
internal static class GovernanceReader
{
    private const string NotEnforced = "is enabled but not enforced yet (later milestone)";
    private static readonly string[] CredentialHeaders = ["authorization", "proxy-authorization", "x-api-key", "api-key"];

    public static GovernanceConfig Read(ConfigReader r, ConfigMapping? root)
    {
        var authMap = r.Mapping(root, "", "auth");
        var named = r.Boolean(authMap, "auth", "enable_named_client_keys") ?? false;
        var secretEnv = r.String(authMap, "auth", "key_hash_secret_env");
        if (named)
        {
            r.Warning("auth.enable_named_client_keys", NotEnforced, authMap?["enable_named_client_keys"]);
        }

        var audit = r.Mapping(root, "", "audit");
        var admin = r.Mapping(root, "", "admin_api");
        var authorization = r.Mapping(root, "", "authorization");
        if (audit is not null)
        {
            r.CheckKnownKeys(audit, "audit", "enabled");
        }

        if (admin is not null)
        {
            r.CheckKnownKeys(admin, "admin_api", "enabled");
        }

        if (authorization is not null)
        {
            r.CheckKnownKeys(authorization, "authorization", "enforce_model_allowlists", "enforce_operation_allowlists",
                "empty_allowlist_means_no_access");
        }

        var config = new GovernanceConfig
        {
            EnableNamedClientKeys = named,
            KeyHashSecretEnv = string.IsNullOrWhiteSpace(secretEnv) ? "GENIEHIVE_KEY_HASH_SECRET" : secretEnv,
            AuditEnabled = Flag(r, audit, "audit", "enabled"),
            AdminApiEnabled = Flag(r, admin, "admin_api", "enabled"),
            EnforceModelAllowlists = Flag(r, authorization, "authorization", "enforce_model_allowlists"),
            EnforceOperationAllowlists = Flag(r, authorization, "authorization", "enforce_operation_allowlists"),
            EmptyAllowlistMeansNoAccess = r.Boolean(authorization, "authorization", "empty_allowlist_means_no_access") ?? true,
            Providers = ReadProviders(r, root),
        };
        return config with { Budgeting = ReadBudgeting(r, r.Mapping(root, "", "budgeting"), config.Providers) };
    }

    private static bool Flag(ConfigReader r, ConfigMapping? map, string path, string key)
    {
        var value = r.Boolean(map, path, key) ?? false;
        if (value)
        {
            r.Warning(ConfigPath.Key(path, key), NotEnforced, map?[key]);
        }

        return value;
    }

    private static BudgetingConfig ReadBudgeting(ConfigReader r, ConfigMapping? map, ImmutableArray<ProviderConfig> providers)
    {
        const string P = "budgeting";
        if (map is null)
        {
            return new BudgetingConfig();
        }

        r.CheckKnownKeys(map, P, "enabled", "deny_on_unknown_cost", "reset_day_of_month", "global_monthly_budget_cents",
            "provider_monthly_budget_cents", "model_prices");
        var reset = r.Integer(map, P, "reset_day_of_month") ?? 1;
        if (reset is < 1 or > 31)
        {
            r.Warning("budgeting.reset_day_of_month", $"{reset} is outside 1–31; it will be clamped", map["reset_day_of_month"]);
        }

        var providerBudgets = ImmutableDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        var providerMap = r.Mapping(map, P, "provider_monthly_budget_cents");
        foreach (var entry in providerMap?.Entries ?? [])
        {
            var path = ConfigPath.Data("budgeting.provider_monthly_budget_cents", entry.Key);
            if (ReadNonNegative(r, entry.Value, path) is { } cents)
            {
                providerBudgets[entry.Key] = cents;
            }

            if (!providers.Any(p => p.ProviderId == entry.Key))
            {
                r.Warning(path, $"names no configured provider \"{entry.Key}\"", entry.KeyNode);
            }
        }

        var prices = ImmutableDictionary.CreateBuilder<string, (long, long)>(StringComparer.Ordinal);
        var priceMap = r.Mapping(map, P, "model_prices");
        foreach (var entry in priceMap?.Entries ?? [])
        {
            var path = ConfigPath.Data("budgeting.model_prices", entry.Key);
            if (entry.Value is not ConfigMapping price)
            {
                r.Error(path, $"must be a mapping; got {entry.Value.KindName}", entry.Value);
                continue;
            }

            r.CheckKnownKeys(price, path, "input_microdollars_per_million", "output_microdollars_per_million");
            var input = RequiredNonNegative(r, price, path, "input_microdollars_per_million");
            var output = RequiredNonNegative(r, price, path, "output_microdollars_per_million");
            if (input is { } i && output is { } o)
            {
                prices[entry.Key] = (i, o);
            }
        }

        var global = ConfigReader.Value(map, "global_monthly_budget_cents") is null
            ? null
            : r.Integer(map, P, "global_monthly_budget_cents", 0);
        return new BudgetingConfig
        {
            Enabled = Flag(r, map, P, "enabled"),
            DenyOnUnknownCost = r.Boolean(map, P, "deny_on_unknown_cost") ?? false,
            ResetDayOfMonth = reset,
            GlobalMonthlyBudgetCents = global,
            ProviderMonthlyBudgetCents = providerBudgets.ToImmutable(),
            ModelPrices = prices.ToImmutable(),
        };
    }

    private static long? RequiredNonNegative(ConfigReader r, ConfigMapping map, string path, string key)
    {
        if (ConfigReader.Value(map, key) is null)
        {
            r.Error(ConfigPath.Key(path, key), "is required", map);
            return null;
        }

        return r.Integer(map, path, key, 0);
    }

    private static long? ReadNonNegative(ConfigReader r, ConfigNode node, string path)
    {
        if (node is ConfigScalar scalar && scalar.AsInteger() is { } value)
        {
            if (value >= 0)
            {
                return value;
            }

            r.Error(path, $"must be ≥ 0; got {value}", node);
            return null;
        }

        r.Error(path, "must be an integer ≥ 0", node);
        return null;
    }

    private static ImmutableArray<ProviderConfig> ReadProviders(ConfigReader r, ConfigMapping? root)
    {
        var sequence = r.Sequence(root, "", "providers");
        if (sequence is null)
        {
            return [];
        }

        var providers = ImmutableArray.CreateBuilder<ProviderConfig>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Items.Length; i++)
        {
            var path = ConfigPath.Index("providers", i);
            if (sequence.Items[i] is not ConfigMapping map)
            {
                r.Error(path, $"must be a mapping; got {sequence.Items[i].KindName}", sequence.Items[i]);
                continue;
            }

            r.CheckKnownKeys(map, path, "provider_id", "provider_kind", "base_url", "api_key_env", "default_headers",
                "operation", "models", "enabled");
            var id = r.NonEmptyString(map, path, "provider_id");
            var kind = r.NonEmptyString(map, path, "provider_kind");
            var baseUrl = r.NonEmptyString(map, path, "base_url");
            var keyEnv = r.String(map, path, "api_key_env");
            var operation = r.Enumeration(map, path, "operation", ["chat", "embeddings"]) ?? "chat";
            var models = r.StringList(map, path, "models") ?? [];
            var enabled = r.Boolean(map, path, "enabled") ?? true;
            var headers = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            var headerMap = r.Mapping(map, path, "default_headers");
            foreach (var entry in headerMap?.Entries ?? [])
            {
                if (entry.Value is ConfigScalar value)
                {
                    headers[entry.Key] = value.Text;
                }
                else
                {
                    r.Error(ConfigPath.Data(ConfigPath.Key(path, "default_headers"), entry.Key), "must be a string", entry.Value);
                }
            }

            if (enabled)
            {
                if (kind is not null && kind != "openai_compatible")
                {
                    r.Error(ConfigPath.Key(path, "provider_kind"), $"must be openai_compatible for an enabled provider; got \"{kind}\"", map["provider_kind"]);
                }

                if (models.IsEmpty)
                {
                    r.Error(ConfigPath.Key(path, "models"), "an enabled provider needs at least one model", map["models"] ?? map);
                }

                if (id is not null && !seen.Add(id))
                {
                    r.Error(ConfigPath.Key(path, "provider_id"), $"\"{id}\" is repeated", map["provider_id"]);
                }

                if (baseUrl is not null && !IsHttpUrl(baseUrl))
                {
                    r.Error(ConfigPath.Key(path, "base_url"), $"must be an absolute http(s) URL; got \"{baseUrl}\"", map["base_url"]);
                }

                foreach (var header in headers.Keys)
                {
                    if (Array.IndexOf(CredentialHeaders, header.ToLowerInvariant()) >= 0)
                    {
                        r.Error(ConfigPath.Data(ConfigPath.Key(path, "default_headers"), header),
                            "credential headers are not allowed here; name the variable in api_key_env", headerMap?[header]);
                    }
                }

                if (!string.IsNullOrEmpty(keyEnv) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(keyEnv)))
                {
                    r.Warning(ConfigPath.Key(path, "api_key_env"), $"variable {keyEnv} is not set", map["api_key_env"]);
                }

                r.Warning(path, "providers are not enforced yet (later milestone)", map);
            }

            if (id is not null && kind is not null && baseUrl is not null)
            {
                providers.Add(new ProviderConfig(id, kind, baseUrl, keyEnv, headers.ToImmutable(), operation, models, enabled));
            }
        }

        return providers.ToImmutable();
    }

    internal static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
