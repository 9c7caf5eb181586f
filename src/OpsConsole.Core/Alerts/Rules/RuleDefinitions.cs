namespace OpsConsole.Core.Alerts.Rules;

/// <summary>A label or annotation of a rule: its name, its template, and where its value is in the file.</summary>
public sealed record RuleTemplateField(string Name, RuleTemplate Template);

/// <summary>One alerting rule as written in a rule file (Prometheus's <c>rulefmt.Rule</c>, alerting rules only).</summary>
/// <param name="Index">The rule's 0-based position in its group.</param>
/// <param name="Line">The file line of the rule (its first key), for links and errors.</param>
public sealed record AlertingRuleDefinition(
    string Name,
    string Expression,
    TimeSpan For,
    TimeSpan KeepFiringFor,
    IReadOnlyList<RuleTemplateField> Labels,
    IReadOnlyList<RuleTemplateField> Annotations,
    int Index,
    int Line);

/// <summary>One group of a rule file: evaluated together, in order, every <see cref="Interval"/>.</summary>
/// <param name="File">The file as configured (relative to the content root when it lies below it).</param>
/// <param name="Limit">0 = no limit; otherwise more active alerts than this from one rule is an evaluation error.</param>
public sealed record RuleGroupDefinition(string File, string Name, TimeSpan Interval, int Limit, IReadOnlyList<AlertingRuleDefinition> Rules)
{
    /// <summary>Prometheus's group key, unique across files.</summary>
    public string Key => $"{File};{Name}";
}

/// <summary>Why a rule file cannot be loaded: file, 1-based line and column, group and rule when known, and what is wrong.</summary>
public sealed record RuleLoadError(string File, int Line, int Column, string? Group, string? Rule, string Message)
{
    public override string ToString()
    {
        var where = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        var scope = (Group, Rule) switch
        {
            (not null, not null) => $"group \"{Group}\", rule \"{Rule}\": ",
            (not null, null) => $"group \"{Group}\": ",
            (null, not null) => $"rule \"{Rule}\": ",
            _ => "",
        };
        return $"{where}: {scope}{Message}";
    }
}

/// <summary>The rule files as loaded together: every group of every file, or nothing (a load is all or nothing).</summary>
/// <param name="Files">The files that were read, in order.</param>
/// <param name="Hash">SHA-256 of the files' names and contents (what the periodic check compares).</param>
public sealed record RuleSet(IReadOnlyList<string> Files, IReadOnlyList<RuleGroupDefinition> Groups, string Hash)
{
    public static RuleSet Empty { get; } = new([], [], "");

    public int RuleCount => Groups.Sum(g => g.Rules.Count);
}
