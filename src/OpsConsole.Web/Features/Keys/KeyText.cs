using System.Globalization;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Keys;

namespace OpsConsole.Web.Features.Keys;

/// <summary>How the key pages say things (one place, so the list, the ring page and the dialogs agree).</summary>
public static class KeyText
{
    /// <summary>How often the pages re-read the rings without an event, so states and "time left" move as time passes.</summary>
    public static readonly TimeSpan Clock = TimeSpan.FromMinutes(1);

    private static CultureInfo Culture => CultureInfo.InvariantCulture;

    public static string RingHref(string ring) => $"/keys/{Uri.EscapeDataString(ring)}";

    public static string JwksPath(string ring) => $"/keys/{Uri.EscapeDataString(ring)}/jwks.json";

    /// <summary>"pending", "active", …: the API's word for a state, also the style and test token.</summary>
    public static string Word(KeyState state) => state.ToString().ToLowerInvariant();

    /// <summary>What a state means, for a chip's tooltip.</summary>
    public static string Meaning(KeyState state) => state switch
    {
        KeyState.Scheduled => "created, not yet published",
        KeyState.Pending => "published, not signing yet: consumers pick it up during the lead time",
        KeyState.Active => "signs new tokens",
        KeyState.Retired => "no longer signs; still published so the tokens it signed validate",
        KeyState.Removed => "out of the JWKS after its grace",
        _ => "taken out of the JWKS at once",
    };

    /// <summary>"overdue", "due soon", null when not due.</summary>
    public static string? Urgency(RotationUrgency urgency) => urgency switch
    {
        RotationUrgency.Overdue => "overdue",
        RotationUrgency.DueSoon => "due soon",
        _ => null,
    };

    /// <summary>"overdue", "due-soon", "not-due".</summary>
    public static string UrgencyToken(RotationUrgency urgency) => urgency switch
    {
        RotationUrgency.Overdue => "overdue",
        RotationUrgency.DueSoon => "due-soon",
        _ => "not-due",
    };

    /// <summary>A ring setting as written in the configuration: "7d", "1h".</summary>
    public static string Duration(TimeSpan span) => PromDuration.Format(span);

    /// <summary>"in 6 d 23 h", "in 45 min", "now", "2 h 5 min ago": minutes at most (the page moves once a minute).</summary>
    public static string Relative(DateTimeOffset at, DateTimeOffset now)
    {
        var span = at - now;
        var words = Span(span.Duration());
        return words is null ? "now" : span > TimeSpan.Zero ? $"in {words}" : $"{words} ago";
    }

    /// <summary>"6 d 23 h", "3 h 05 min", "45 min"; null under a minute.</summary>
    public static string? Span(TimeSpan span)
    {
        if (span < TimeSpan.FromMinutes(1))
        {
            return null;
        }

        return span.TotalDays >= 1 ? string.Create(Culture, $"{(int)span.TotalDays} d {span.Hours} h")
            : span.TotalHours >= 1 ? string.Create(Culture, $"{(int)span.TotalHours} h {span.Minutes:00} min")
            : string.Create(Culture, $"{span.Minutes} min");
    }

    /// <summary>The keys the JWKS lists now.</summary>
    public static int Published(KeyRingView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.Versions.Count(v => v.State is KeyState.Pending or KeyState.Active or KeyState.Retired);
    }

    /// <summary>Whether a version can still be revoked (the preview says whether the timeline allows it now).</summary>
    public static bool Revocable(KeyVersionView version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return version.State is not (KeyState.Removed or KeyState.Revoked);
    }

    /// <summary>Newest first: the table's order.</summary>
    public static IReadOnlyList<KeyVersionView> NewestFirst(KeyRingView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return [.. view.Versions.OrderByDescending(v => v.ActivateAt).ThenByDescending(v => v.CreatedAt)];
    }

    /// <summary>"ES256", "RS256 (2048-bit)".</summary>
    public static string Algorithm(KeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        return ring.Algorithm.IsRsa ? string.Create(Culture, $"{ring.Algorithm.Name} ({ring.RsaKeySize}-bit)") : ring.Algorithm.Name;
    }

    /// <summary>What the rotate dialog's switch warns: a consumer's older JWKS cache rejects the new key's tokens until it refreshes.</summary>
    public static string ImmediateWarning(KeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        return $"The new key signs at once instead of after the lead time ({Duration(ring.LeadTime)}). Consumers whose JWKS cache predates it reject its tokens until they refresh (most refetch on an unknown kid, at most once per their refresh interval). Use it when the signing key may have leaked.";
    }
}
