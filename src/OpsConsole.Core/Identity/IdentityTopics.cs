using OpsConsole.Core.Live;

namespace OpsConsole.Core.Identity;

/// <summary>A user's sessions were ended (disabled, roles changed, password reset, signed out everywhere).</summary>
public sealed record SessionsRevoked(string UserId, string Reason);

/// <summary>A wall display was revoked; its open circuits switch to the revoked screen.</summary>
public sealed record DisplayRevoked(Guid DeviceId, string Name);

/// <summary>One sign-in session ended (signed out, ended from another session or by an administrator).</summary>
public sealed record SessionEnded(Guid SessionId, string UserId, string Reason);

public static class IdentityTopics
{
    /// <summary>Distributed: open circuits of that user on every instance drop their sign-in at once.</summary>
    public static LiveTopic<SessionsRevoked> SessionsRevoked { get; } = new("identity.sessions.revoked", Distributed: true);

    /// <summary>Distributed: every instance forgets its cached validation of the token (or all of the user's tokens).</summary>
    public static LiveTopic<ApiTokens.ApiTokensRevoked> TokensRevoked { get; } = new("identity.tokens.revoked", Distributed: true);

    /// <summary>Distributed: the display's open circuits on every instance lose their sign-in at once.</summary>
    public static LiveTopic<DisplayRevoked> DisplayRevoked { get; } = new("identity.display.revoked", Distributed: true);

    /// <summary>Distributed: that session's open circuits on every instance lose their sign-in at once.</summary>
    public static LiveTopic<SessionEnded> SessionEnded { get; } = new("identity.session.ended", Distributed: true);
}
