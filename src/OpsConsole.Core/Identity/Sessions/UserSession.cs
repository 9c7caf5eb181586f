namespace OpsConsole.Core.Identity.Sessions;

/// <summary>
/// One sign-in of a person (a browser's cookie), so people can see and end their sessions one by one. Its id travels in
/// the sign-in cookie; the cookie check refuses a session that has ended.
/// </summary>
public sealed class UserSession
{
    public Guid Id { get; set; }

    public required string UserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    public string? IpAddress { get; set; }

    public string? UserAgent { get; set; }

    /// <summary>The user's security stamp when the session began or last refreshed; a renewed stamp ends the session.</summary>
    public required string SecurityStamp { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? EndedReason { get; set; }

    public string? EndedBy { get; set; }
}

/// <summary>A live session as pages and the API show it.</summary>
public sealed record UserSessionInfo(
    Guid Id, DateTimeOffset StartedAt, DateTimeOffset LastSeenAt, string? IpAddress, string? UserAgent, string Browser, int Circuits);
