using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>The rule files as the rules page shows them: what is configured, what was loaded when, and the last load error.</summary>
/// <param name="LastLoadedAt">When the rules now running were loaded (null: none ever loaded).</param>
/// <param name="LastAttemptAt">When a load was last tried (it may have failed and kept the previous rules).</param>
/// <param name="LoadError">The last attempt's errors, one per line, or null when it succeeded.</param>
/// <param name="Engine">Who evaluates the expressions ("console", "Prometheus at …").</param>
public sealed record RuleSetStatus(
    IReadOnlyList<string> Patterns,
    IReadOnlyList<string> Files,
    DateTimeOffset? LastLoadedAt,
    DateTimeOffset? LastAttemptAt,
    string? LoadError,
    IReadOnlyList<RuleLoadError> LoadErrors,
    string Engine,
    IReadOnlyList<RuleGroupStatus> Groups)
{
    public int RuleCount => Groups.Sum(g => g.Rules.Count);
}

/// <summary>One group: its interval and limit, and its last evaluation (time and how long all its rules took).</summary>
public sealed record RuleGroupStatus(
    string File,
    string Name,
    TimeSpan Interval,
    int Limit,
    DateTimeOffset? LastEvaluation,
    TimeSpan? LastDuration,
    IReadOnlyList<AlertRuleStatus> Rules);

/// <summary>One rule as written, its health and last evaluation, and its current matches (pending and firing alerts).</summary>
public sealed record AlertRuleStatus(
    string File,
    string Group,
    int Index,
    string Name,
    string Expression,
    TimeSpan For,
    TimeSpan KeepFiringFor,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    RuleHealth Health,
    string? LastError,
    DateTimeOffset? LastEvaluation,
    TimeSpan? LastDuration,
    IReadOnlyList<AlertInstance> Alerts,
    string Anchor);

/// <summary>After each group evaluation (this instance): the page refreshes its view of the group.</summary>
public sealed record RuleGroupEvaluated(string File, string Group, DateTimeOffset EvaluatedAt, TimeSpan Duration, int Pending, int Firing, int Failed);

/// <summary>After each load attempt: whether it succeeded, and the error when not.</summary>
public sealed record RuleSetLoaded(bool Succeeded, DateTimeOffset At, int Groups, int Rules, string? Error);

public static class AlertRuleTopics
{
    /// <summary>Per instance: each instance evaluates the rules itself.</summary>
    public static LiveTopic<RuleGroupEvaluated> GroupEvaluated { get; } = new("alerts.rules.evaluated");

    public static LiveTopic<RuleSetLoaded> Loaded { get; } = new("alerts.rules.loaded");
}
