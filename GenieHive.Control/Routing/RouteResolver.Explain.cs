namespace GenieHive.Control.Routing;

public sealed partial class RouteResolver
{
    /// <summary>Direct candidates of the id that failed a gate, with the first gate they failed.</summary>
    private static void ExplainDirectExclusions(ref Context c, int[] candidates, string? operation, ExplainLevel explain)
    {
        foreach (var i in candidates)
        {
            var facts = c.Index.Facts[i];
            var failure = EligibilityGates.FirstFailure(facts, null, operation, c.Now, c.StaleAfter, c.Live[i], c.CheckPassive);
            if (failure is not null)
            {
                explain.Excluded.Add(new ExplainCandidate(facts.Service, null, failure, null));
            }
        }
    }

    /// <summary>Every other registered service, with the first role gate it failed.</summary>
    private static void ExplainRoleExclusions(ref Context c, RoleRoute route, ExplainLevel explain)
    {
        foreach (var facts in c.Index.Facts)
        {
            var i = facts.Index;
            var failure = EligibilityGates.FirstFailure(facts, route.Role, route.Role.Operation, c.Now, c.StaleAfter, c.Live[i], c.CheckPassive);
            if (failure is not null)
            {
                explain.Excluded.Add(new ExplainCandidate(facts.Service, null, failure, null));
            }
        }
    }
}
