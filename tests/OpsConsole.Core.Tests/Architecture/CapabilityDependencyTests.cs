using ArchUnitNET.Loader;
using OpsConsole.Core.Data;
using ArchitectureModel = ArchUnitNET.Domain.Architecture;

namespace OpsConsole.Core.Tests.Architecture;

/// <summary>
/// Core is one folder (namespace) per capability, and a capability depends only on capabilities in lower layers
/// (docs/architecture.md draws the same layers). Read from the compiled assembly's IL (ArchUnitNET), so a using
/// that is not used does not count and a call through a fully qualified name does.
/// </summary>
public sealed class CapabilityDependencyTests
{
    /// <summary>Lowest first. A new capability must be placed here before its code compiles into a green test run.</summary>
    public static readonly string[][] Layers =
    [
        ["Access", "Attention", "Hosting", "Live", "Storage"], // who may do what; the board's contract; the embedded PostgreSQL; live events; data directory
        ["Data"], // the console's database: context, migrations, named pools (capabilities add their model)
        ["Audit", "SystemStatus"], // every action is audited, so the trail sits under every acting capability
        ["Identity", "Operations"], // accounts, sign-in, sessions, API tokens, displays; tracked long actions
        ["Metrics"],
        ["Alerts"], // rules over Metrics; turns other capabilities' live signals into alerts
        ["Backups", "Keys"], // managed databases, pg_dump, retention, drills; signing key rings, JWKS (their freshness and rotation alerts go through Alerts)
        ["Restores"], // plan, approve and swap in a backup; keeps the database it replaced for a swap back
        ["Migrations"], // versioned SQL of managed databases: files, states against the history table, lock flags
        ["Board", "Demo", "Wall"], // the status board reads every capability below it
    ];

    private static readonly Lazy<Dictionary<(string From, string To), string>> Edges = new(LoadEdges);

    [Fact]
    public void Every_capability_of_core_has_a_layer()
    {
        var placed = Layers.SelectMany(l => l).ToHashSet(StringComparer.Ordinal);
        var found = Edges.Value.Keys.SelectMany(e => new[] { e.From, e.To }).Concat(Capabilities()).Distinct(StringComparer.Ordinal);
        var unplaced = found.Where(c => !placed.Contains(c)).ToList();
        Assert.True(unplaced.Count == 0, $"capabilities without a layer: {string.Join(", ", unplaced)}");
    }

    [Fact]
    public void A_capability_depends_only_on_lower_layers()
    {
        var level = Layers.SelectMany((names, i) => names.Select(n => (n, i))).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var upward = Edges.Value
            .Where(e => level.TryGetValue(e.Key.From, out var from) && level.TryGetValue(e.Key.To, out var to) && to >= from)
            .Select(e => $"{e.Key.From} -> {e.Key.To} ({e.Value})")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(upward.Count == 0, "dependencies on the same or a higher layer:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void There_is_no_cycle_between_capabilities()
    {
        var graph = Edges.Value.Keys.GroupBy(e => e.From, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList(), StringComparer.Ordinal);
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"cycle between capabilities: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void The_check_sees_real_dependencies()
    {
        // Guards the test itself: known downward edges must be found, or an empty graph would pass everything.
        Assert.Contains(("Alerts", "Metrics"), Edges.Value.Keys);
        Assert.Contains(("Identity", "Audit"), Edges.Value.Keys);
        Assert.Contains(("Audit", "Data"), Edges.Value.Keys);
    }

    private static IEnumerable<string> Capabilities() =>
        typeof(ConsoleDbContext).Assembly.GetTypes().Select(t => CapabilityOf(t.Namespace)).OfType<string>().Distinct(StringComparer.Ordinal);

    /// <summary>Each (from, to) pair of capabilities with one example dependency, for the failure message.</summary>
    private static Dictionary<(string From, string To), string> LoadEdges()
    {
        ArchitectureModel architecture = new ArchLoader().LoadAssemblies(typeof(ConsoleDbContext).Assembly).Build();
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in architecture.Types)
        {
            if (CapabilityOf(type.Namespace?.FullName) is not { } from)
            {
                continue;
            }

            foreach (var dependency in type.Dependencies ?? [])
            {
                if (CapabilityOf(dependency.Target?.Namespace?.FullName) is { } to && to != from)
                {
                    edges.TryAdd((from, to), $"{type.FullName} uses {dependency.Target!.FullName}");
                }
            }
        }

        return edges;
    }

    private static string? CapabilityOf(string? ns)
    {
        const string Prefix = "OpsConsole.Core.";
        if (ns is null || !ns.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns[Prefix.Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static List<string>? FindCycle(Dictionary<string, List<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.SkipWhile(n => n != next), next];
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        return graph.Keys.Order(StringComparer.Ordinal).Select(n => state.GetValueOrDefault(n) == 0 ? Visit(n) : null).FirstOrDefault(c => c is not null);
    }
}
