using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Web.Features.Audit;

/// <summary>The filter bar's fields as typed; <see cref="ToQuery"/> lets Core check them (it names a bad field).</summary>
public sealed class AuditFilterForm
{
    /// <summary>UTC, as the browser's datetime-local input gives it (yyyy-MM-ddTHH:mm).</summary>
    public string? From { get; set; }

    public string? To { get; set; }

    public string? Actor { get; set; }

    public bool ActorPrefix { get; set; }

    public string? Action { get; set; }

    public string? TargetType { get; set; }

    public string? TargetId { get; set; }

    /// <summary>Empty for any outcome.</summary>
    public string Outcome { get; set; } = "";

    public string? Text { get; set; }

    public AuditQuery ToQuery() =>
        AuditQuery.Parse(From, To, Actor, ActorPrefix ? "prefix" : "exact", Action, TargetType, TargetId, Outcome, Text);
}
