using System.Security.Claims;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Audit;

/// <summary>One audited action or observation. <see cref="Reason"/> may also come as a "reason" detail.</summary>
public sealed record AuditEntry(
    ClaimsPrincipal Actor,
    string Action,
    string TargetType,
    string TargetId,
    string Outcome,
    IReadOnlyDictionary<string, string?>? Details = null,
    string? Reason = null);

/// <summary>
/// The one way anything is audited. Inside a database transaction the record is written in it, so the action and
/// its record commit or fail together; outside one it is written at once. When it cannot be written the call throws
/// <see cref="AuditUnavailableException"/> and the action must not happen — except failures and denials, which are
/// observations rather than actions and go to a local spool until the database is back.
/// </summary>
public interface IAuditTrail
{
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default);
}

/// <summary>No audit, no action: the record could not be written, so the action was not (or must not be) performed.</summary>
public sealed class AuditUnavailableException : Exception
{
    public const string UserMessage = "The audit log cannot be written right now, so the action was not performed. Try again shortly.";

    public AuditUnavailableException()
        : base(UserMessage)
    {
    }

    public AuditUnavailableException(string message)
        : base(message)
    {
    }

    public AuditUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Request facts the services do not see: filled by the host per HTTP request and per Blazor circuit.</summary>
public sealed class AuditContext
{
    private static readonly AsyncLocal<AuditContext?> AmbientContext = new();

    /// <summary>
    /// The context of the work in flight (a request, or a circuit's event handler). Pages create short-lived service
    /// scopes of their own, whose scoped context would be empty; the ambient one follows the async flow into them.
    /// </summary>
    public static AuditContext? Ambient
    {
        get => AmbientContext.Value;
        set => AmbientContext.Value = value;
    }

    public string? ClientIp { get; set; }

    public string? UserAgent { get; set; }

    public string? CorrelationId { get; set; }
}

public static class AuditActors
{
    /// <summary>The console itself (schedulers, startup): recorded as actor "system".</summary>
    public static ClaimsPrincipal System { get; } = new(new ClaimsIdentity([new Claim(ConsoleClaims.System, "1"), new Claim(ClaimTypes.Name, "system")], "system"));

    /// <summary>The admin CLI (`./run.sh admin ...`), run by whoever has shell access to the host.</summary>
    public static ClaimsPrincipal Cli { get; } = new(new ClaimsIdentity([new Claim(ConsoleClaims.System, "1"), new Claim(ClaimTypes.Name, "admin-cli")], "system"));

    /// <summary>Actor columns for a principal: a person, a device, a person's API token, the system, or anonymous.</summary>
    public static (string Type, string? Id, string Name, string[] Roles, string? TokenName) Describe(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.HasClaim(c => c.Type == ConsoleClaims.System))
        {
            return (AuditActorType.System, null, principal.Identity?.Name ?? "system", [], null);
        }

        if (principal.Identity?.IsAuthenticated != true)
        {
            return (AuditActorType.Anonymous, null, "anonymous", [], null);
        }

        var roles = principal.FindAll(ClaimTypes.Role).Select(c => c.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var name = principal.Identity.Name ?? "";
        if (principal.FindFirstValue(ConsoleClaims.DisplayId) is { } displayId)
        {
            return (AuditActorType.Device, displayId, name, roles, null);
        }

        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        return principal.FindFirstValue(ConsoleClaims.TokenName) is { } tokenName
            ? (AuditActorType.Token, userId, name, roles, tokenName)
            : (AuditActorType.User, userId, name, roles, null);
    }
}
