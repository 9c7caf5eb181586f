namespace OpsConsole.Core.Identity.ApiTokens;

/// <summary>A personal API token. Only its SHA-256 is stored; the token itself is shown once, at creation.</summary>
public sealed class ApiToken
{
    public Guid Id { get; set; }

    public required string UserId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the token (e.g. "opc_AbCd"), so people can tell tokens apart in lists.</summary>
    public required string DisplayPrefix { get; set; }

    public required byte[] Hash { get; set; }

    /// <summary>Roles the token may use; empty = all of the user's roles. Always intersected with the user's current roles.</summary>
    public List<string> Roles { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedBy { get; set; }
}
