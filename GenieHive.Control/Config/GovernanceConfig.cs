using System.Collections.Immutable;

namespace GenieHive.Control.Config;

/// <summary>Later-milestone keys (config.md §1.2): parsed and validated now, not enforced yet.</summary>
public sealed record GovernanceConfig
{
    public bool EnableNamedClientKeys { get; init; }

    public string KeyHashSecretEnv { get; init; } = "GENIEHIVE_KEY_HASH_SECRET";

    public bool AuditEnabled { get; init; }

    public bool AdminApiEnabled { get; init; }

    public bool EnforceModelAllowlists { get; init; }

    public bool EnforceOperationAllowlists { get; init; }

    public bool EmptyAllowlistMeansNoAccess { get; init; } = true;

    public BudgetingConfig Budgeting { get; init; } = new();

    public ImmutableArray<ProviderConfig> Providers { get; init; } = [];
}
