using OpsConsole.Core.Live;

namespace OpsConsole.Core.Identity;

/// <summary>A user's sessions were ended (disabled, roles changed, password reset, signed out everywhere).</summary>
public sealed record SessionsRevoked(string UserId, string Reason);

public static class IdentityTopics
{
    /// <summary>Distributed: open circuits of that user on every instance drop their sign-in at once.</summary>
    public static LiveTopic<SessionsRevoked> SessionsRevoked { get; } = new("identity.sessions.revoked", Distributed: true);
}
