namespace OpsConsole.Core.Access;

/// <summary>The console's fixed role set (DESIGN.md "Roles").</summary>
public static class ConsoleRoles
{
    public const string Admin = nameof(Admin);
    public const string Sre = nameof(Sre);
    public const string OnCall = nameof(OnCall);
    public const string Compliance = nameof(Compliance);
    public const string Auditor = nameof(Auditor);
    public const string Viewer = nameof(Viewer);
    public const string Display = nameof(Display);

    /// <summary>A service's API token that may call the sign API (POST /api/v1/keys/{ring}/sign) and nothing else.</summary>
    public const string Signer = nameof(Signer);

    public static IReadOnlyList<string> All { get; } = [Admin, Sre, OnCall, Compliance, Auditor, Viewer, Display, Signer];

    /// <summary>Case-insensitive lookup that returns the canonical spelling, or null for an unknown role.</summary>
    public static string? Normalize(string? role) =>
        All.FirstOrDefault(r => string.Equals(r, role?.Trim(), StringComparison.OrdinalIgnoreCase));
}
