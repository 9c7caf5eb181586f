namespace OpsConsole.Core.Identity.Displays;

/// <summary>Where a wall display stands, as the Displays page shows it.</summary>
public enum DisplayStatus
{
    /// <summary>Created or given a new code; waiting for the display to open its pairing URL.</summary>
    Pending,

    /// <summary>The pairing code ran out before anyone used it; issue a new one.</summary>
    CodeExpired,

    Paired,

    Revoked,
}

/// <summary>
/// A wall display (TV, kiosk) that signs in with its own long-lived cookie and the read-only Display role.
/// The pairing code is stored only as a hash and cleared when used.
/// </summary>
public sealed class DisplayDevice
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public byte[]? PairingCodeHash { get; set; }

    public DateTimeOffset? PairingCodeExpiresAt { get; set; }

    public DateTimeOffset? PairedAt { get; set; }

    public DateTimeOffset? LastSeenAt { get; set; }

    public string? LastSeenIp { get; set; }

    public string? UserAgent { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedBy { get; set; }

    /// <summary>Rotated at every pairing and revocation; the device cookie carries it, so an older cookie stops working.</summary>
    public required string Stamp { get; set; }

    public DisplayStatus StatusAt(DateTimeOffset now) =>
        RevokedAt is not null ? DisplayStatus.Revoked
        : PairedAt is not null ? DisplayStatus.Paired
        : PairingCodeExpiresAt is { } expires && expires > now ? DisplayStatus.Pending
        : DisplayStatus.CodeExpired;
}

public static class DisplayStatusNames
{
    /// <summary>The status as the API spells it (and the UI shows it, with spaces).</summary>
    public static string Of(DisplayStatus status) => status switch
    {
        DisplayStatus.Pending => "pending",
        DisplayStatus.CodeExpired => "code-expired",
        DisplayStatus.Paired => "paired",
        _ => "revoked",
    };
}
