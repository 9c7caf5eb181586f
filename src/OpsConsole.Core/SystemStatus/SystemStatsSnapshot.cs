using OpsConsole.Core.Live;

namespace OpsConsole.Core.SystemStatus;

/// <summary>One sample of the console's own health, published every second on <see cref="SystemTopics.Stats"/>.</summary>
public sealed record SystemStatsSnapshot(
    DateTimeOffset SampledAt,
    string InstanceId,
    TimeSpan Uptime,
    double? DatabaseRoundTripMs,
    string? DatabaseError,
    DatabasePoolUsage Pool,
    int CircuitsConnected,
    double LiveEventsPerSecond,
    long LiveEventsPublished,
    long LiveEventsDropped,
    long WorkingSetBytes,
    long ManagedHeapBytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    bool MigrationsApplied,
    IReadOnlyList<string> AppliedMigrations);

public sealed record DatabasePoolUsage(int Busy, int Idle, int? Max)
{
    public static DatabasePoolUsage Unknown { get; } = new(0, 0, null);
}

public static class SystemTopics
{
    /// <summary>Per instance (not distributed): each console reports its own process.</summary>
    public static LiveTopic<SystemStatsSnapshot> Stats { get; } = new("system.stats");
}
