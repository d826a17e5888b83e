using System.Collections.Immutable;

namespace GenieHive.Control.Config;

/// <summary><c>budgeting.*</c> (config.md §1.2, security.md §11).</summary>
public sealed record BudgetingConfig
{
    public bool Enabled { get; init; }

    public bool DenyOnUnknownCost { get; init; }

    public long ResetDayOfMonth { get; init; } = 1;

    public long? GlobalMonthlyBudgetCents { get; init; }

    public ImmutableDictionary<string, long> ProviderMonthlyBudgetCents { get; init; } = ImmutableDictionary<string, long>.Empty;

    /// <summary>Model id → (input, output) microdollars per million tokens.</summary>
    public ImmutableDictionary<string, (long Input, long Output)> ModelPrices { get; init; } =
        ImmutableDictionary<string, (long Input, long Output)>.Empty;
}
