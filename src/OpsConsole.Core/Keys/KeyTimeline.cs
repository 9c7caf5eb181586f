namespace OpsConsole.Core.Keys;

/// <summary>
/// One key of a ring and the instants that define its windows: published from <see cref="PublishAt"/>, signing from
/// <see cref="ActivateAt"/> to <see cref="RetireAt"/>, published until <see cref="RemoveAt"/>; <see cref="RevokedAt"/>
/// takes it out at once. Intervals are half-open: at <see cref="ActivateAt"/> it signs, at <see cref="RetireAt"/> it no longer does.
/// </summary>
public sealed record KeyVersion(
    string Kid,
    DateTimeOffset CreatedAt,
    DateTimeOffset PublishAt,
    DateTimeOffset ActivateAt,
    DateTimeOffset? RetireAt = null,
    DateTimeOffset? RemoveAt = null,
    DateTimeOffset? RevokedAt = null)
{
    public KeyState StateAt(DateTimeOffset now) =>
        RevokedAt <= now ? KeyState.Revoked
        : RemoveAt <= now ? KeyState.Removed
        : RetireAt <= now ? KeyState.Retired
        : ActivateAt <= now ? KeyState.Active
        : PublishAt <= now ? KeyState.Pending
        : KeyState.Scheduled;

    /// <summary>Whether the JWKS lists it at <paramref name="now"/>: pending, active and retired keys are; removed and revoked ones never.</summary>
    public bool IsPublishedAt(DateTimeOffset now) => StateAt(now) is KeyState.Pending or KeyState.Active or KeyState.Retired;
}

public enum KeyState
{
    /// <summary>Created, not yet published (a rotation never makes one: it publishes at once; kept for a complete timeline).</summary>
    Scheduled,

    /// <summary>Published, not yet signing: consumers' JWKS caches pick it up during the lead time.</summary>
    Pending,

    /// <summary>The one that signs.</summary>
    Active,

    /// <summary>No longer signs; published for the grace so the tokens it signed still validate.</summary>
    Retired,

    /// <summary>Out of the JWKS after its grace.</summary>
    Removed,

    /// <summary>Taken out of the JWKS at once (compromised).</summary>
    Revoked,
}

public enum RotationUrgency
{
    NotDue,

    /// <summary>Due within the ring's WarnBefore.</summary>
    DueSoon,

    /// <summary>Due and not started: the active key is signing past its period.</summary>
    Overdue,
}

/// <summary>A ring at one instant: every version's state, the signer, the JWKS contents and the next rotation.</summary>
public sealed record KeyRingSnapshot(
    DateTimeOffset Now,
    IReadOnlyList<(KeyVersion Version, KeyState State)> Versions,
    KeyVersion? Signing,
    IReadOnlyList<KeyVersion> Published,
    DateTimeOffset? NextRotationDue,
    RotationUrgency Urgency,
    IReadOnlyList<string> Problems);

/// <summary>What a rotation or revocation does: the ring's versions afterwards and which of them changed, or why it was refused.</summary>
public sealed record KeyTimelineChange(IReadOnlyList<KeyVersion> Versions, IReadOnlyList<KeyVersion> Changed, string? Refusal, IReadOnlyList<string> Warnings)
{
    public bool Refused => Refusal is not null;

    internal static KeyTimelineChange Refuse(IReadOnlyList<KeyVersion> versions, string reason) => new(versions, [], reason, []);
}

/// <summary>
/// The rules of a ring's key windows, pure (no clock, no storage): states at an instant, what a rotation and a revocation
/// change, and when the next rotation is due. Each key signs for one <see cref="KeyRing.RotationPeriod"/>; its successor is
/// published <see cref="KeyRing.LeadTime"/> before it takes over; a retired key stays published for <see cref="KeyRing.Grace"/>.
/// </summary>
public static class KeyTimeline
{
    /// <summary>The signing key: the active one (the newest activation if the data ever held two), or null.</summary>
    public static KeyVersion? Signing(IEnumerable<KeyVersion> versions, DateTimeOffset now) =>
        versions.Where(v => v.StateAt(now) == KeyState.Active).MaxBy(v => (v.ActivateAt, v.CreatedAt));

    /// <summary>What the JWKS lists, oldest activation first.</summary>
    public static IReadOnlyList<KeyVersion> Published(IEnumerable<KeyVersion> versions, DateTimeOffset now) =>
        [.. versions.Where(v => v.IsPublishedAt(now)).OrderBy(v => v.ActivateAt).ThenBy(v => v.CreatedAt)];

    /// <summary>
    /// The newest activation (signing or pending) plus the period minus the lead time: the successor is published then so it
    /// signs exactly one period after its predecessor began. Null for a ring without keys (it needs its first one now).
    /// </summary>
    public static DateTimeOffset? NextRotationDue(KeyRing ring, IEnumerable<KeyVersion> versions)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var live = versions.Where(v => v.RevokedAt is null).Select(v => (DateTimeOffset?)v.ActivateAt).Max();
        return live + ring.RotationPeriod - ring.LeadTime;
    }

    public static RotationUrgency Urgency(KeyRing ring, IEnumerable<KeyVersion> versions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var list = versions.ToList();
        return NextRotationDue(ring, list) is not { } due ? (list.Count == 0 ? RotationUrgency.NotDue : RotationUrgency.Overdue)
            : now >= due ? RotationUrgency.Overdue
            : now >= due - ring.WarnBefore ? RotationUrgency.DueSoon
            : RotationUrgency.NotDue;
    }

    public static KeyRingSnapshot Snapshot(KeyRing ring, IReadOnlyList<KeyVersion> versions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var states = versions.OrderBy(v => v.ActivateAt).ThenBy(v => v.CreatedAt).Select(v => (v, v.StateAt(now))).ToList();
        var problems = new List<string>();
        var active = states.Count(s => s.Item2 == KeyState.Active);
        if (versions.Count > 0 && active == 0)
        {
            problems.Add("no key signs: the ring has no active key.");
        }
        else if (active > 1)
        {
            problems.Add($"{active} keys are active; only the newest signs.");
        }

        return new KeyRingSnapshot(now, states, Signing(versions, now), Published(versions, now), NextRotationDue(ring, versions), Urgency(ring, versions, now), problems);
    }

    /// <summary>
    /// A rotation at <paramref name="now"/>: the new key is published now and signs after the lead time (at once for a ring
    /// without a signing key, or when <paramref name="immediate"/>, an emergency); the key signing now retires then and is
    /// removed a grace later. Refused while another rotation is under way (a pending key), so nothing is ever half-rotated.
    /// </summary>
    public static KeyTimelineChange Rotate(KeyRing ring, IReadOnlyList<KeyVersion> versions, string newKid, DateTimeOffset now, bool immediate = false)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentException.ThrowIfNullOrEmpty(newKid);
        if (versions.Any(v => v.Kid == newKid))
        {
            return KeyTimelineChange.Refuse(versions, $"the ring already has a version {newKid}.");
        }

        if (versions.FirstOrDefault(v => v.StateAt(now) is KeyState.Pending or KeyState.Scheduled) is { } pending)
        {
            return KeyTimelineChange.Refuse(versions, $"a rotation is already under way: {pending.Kid} is published and signs from {pending.ActivateAt:u}.");
        }

        var active = versions.Where(v => v.StateAt(now) == KeyState.Active).ToList();
        var activateAt = active.Count == 0 || immediate ? now : now + ring.LeadTime;
        var added = new KeyVersion(newKid, now, now, activateAt);
        var changed = new List<KeyVersion> { added };
        var result = versions.Select(v =>
        {
            if (v.StateAt(now) != KeyState.Active)
            {
                return v;
            }

            var retired = v with { RetireAt = activateAt, RemoveAt = activateAt + ring.Grace };
            changed.Add(retired);
            return retired;
        }).Append(added).ToList();
        var warnings = new List<string>();
        if (immediate && active.Count > 0)
        {
            warnings.Add($"{newKid} signs at once, without the lead time: a consumer whose JWKS cache predates it rejects its tokens until it refreshes (most refresh on an unknown kid).");
        }

        return new KeyTimelineChange(result, changed, null, warnings);
    }

    /// <summary>
    /// Revokes <paramref name="kid"/> at <paramref name="now"/>: out of the JWKS at once. Revoking the signing key hands
    /// signing to the newest pending key at once, and is refused when there is none (no ring is ever left without a signing
    /// key); revoking a pending key cancels its rotation, so the key it was to replace keeps signing.
    /// </summary>
    public static KeyTimelineChange Revoke(KeyRing ring, IReadOnlyList<KeyVersion> versions, string kid, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(versions);
        if (versions.FirstOrDefault(v => v.Kid == kid) is not { } target)
        {
            return KeyTimelineChange.Refuse(versions, $"the ring has no version {kid}.");
        }

        var state = target.StateAt(now);
        switch (state)
        {
            case KeyState.Revoked:
                return KeyTimelineChange.Refuse(versions, $"{kid} was already revoked at {target.RevokedAt:u}.");
            case KeyState.Removed:
                return KeyTimelineChange.Refuse(versions, $"{kid} was already removed from the JWKS at {target.RemoveAt:u}; no token it signed validates any more.");
        }

        var revoked = target with { RevokedAt = now };
        var replace = new Dictionary<string, KeyVersion>(StringComparer.Ordinal) { [kid] = revoked };
        var warnings = new List<string>();
        var cache = "consumers that cached the JWKS may accept it until their cache expires (Keys:JwksMaxAge)";
        switch (state)
        {
            case KeyState.Active:
                var successor = versions.Where(v => v.StateAt(now) == KeyState.Pending).MaxBy(v => (v.ActivateAt, v.CreatedAt));
                if (successor is null)
                {
                    return KeyTimelineChange.Refuse(
                        versions,
                        $"{kid} is the signing key and no pending key can take over: rotate with immediate activation first (a new key signs at once, {kid} retires), then revoke {kid}.");
                }

                replace[successor.Kid] = successor with { ActivateAt = now };
                warnings.Add($"every token {kid} signed fails from now; {cache}.");
                warnings.Add($"{successor.Kid} signs from now instead of {successor.ActivateAt:u}; it has been published since {successor.PublishAt:u}, so a consumer whose JWKS cache is older rejects its tokens until it refreshes.");
                break;
            case KeyState.Retired:
                warnings.Add($"tokens {kid} signed until {target.RetireAt:u} fail from now instead of lasting until {target.RemoveAt:u}; {cache}.");
                break;
            default: // pending or scheduled: it never signed; cancel the rotation that made it
                foreach (var v in versions.Where(v => v.StateAt(now) == KeyState.Active && v.RetireAt == target.ActivateAt))
                {
                    replace[v.Kid] = v with { RetireAt = null, RemoveAt = null };
                    warnings.Add($"the rotation to {kid} is cancelled: {v.Kid} keeps signing; rotate again to replace it.");
                }

                break;
        }

        return new KeyTimelineChange([.. versions.Select(v => replace.GetValueOrDefault(v.Kid, v))], [.. replace.Values], null, warnings);
    }
}
