using System.Globalization;
using OpsConsole.Core.Keys;

namespace OpsConsole.Web.Features.Keys;

/// <summary>A window of a key version on the timeline picture.</summary>
public enum KeySegmentKind
{
    /// <summary>In the JWKS, not signing yet (PublishAt → ActivateAt).</summary>
    Published,

    /// <summary>Signs new tokens (ActivateAt → RetireAt, or open-ended until the next rotation would take over).</summary>
    Signing,

    /// <summary>Retired, still published so the tokens it signed validate (RetireAt → RemoveAt).</summary>
    Grace,

    /// <summary>What a revocation cut off: from RevokedAt to where the key would otherwise have left the JWKS.</summary>
    Revoked,
}

/// <summary>One window as drawn: its instants and its position in percent of the plot's width.</summary>
public sealed record KeySegment(KeySegmentKind Kind, DateTimeOffset From, DateTimeOffset To, double Left, double Width, bool OpenEnded = false);

/// <summary>One version's row: its windows, oldest first.</summary>
public sealed record KeyTimelineRow(KeyVersionView Version, IReadOnlyList<KeySegment> Segments);

/// <summary>An axis mark at a local midnight (or hour), labelled in the viewer's zone.</summary>
public sealed record KeyTimelineTick(DateTimeOffset At, double X, string Label);

/// <summary>
/// The geometry of a ring's timeline picture, pure (no clock, no rendering): the window shown, each version's windows
/// as segments in percent of the width, where "now" and the next rotation fall, and the axis ticks. The window reaches
/// back one rotation period plus the grace (what still matters) and forward to when the next key would sign.
/// </summary>
public sealed record KeyTimelineLayout(
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyList<KeyTimelineRow> Rows,
    double NowX,
    DateTimeOffset? NextRotation,
    double? NextRotationX,
    IReadOnlyList<KeyTimelineTick> Ticks)
{
    /// <summary>The share of the width added on each side, so a key published just now does not start on the edge.</summary>
    public const double Padding = 0.04;

    /// <summary>A revocation's cut is drawn at least this wide (percent), so a key revoked at its end is still visible.</summary>
    public const double MinRevokedWidth = 1.5;

    /// <summary>Any window is drawn at least this wide (percent): an hour's lead time on a monthly ring still shows as a sliver.</summary>
    public const double MinWidth = 0.6;

    public const int MaxTicks = 8;

    private static readonly TimeSpan[] TickSteps =
        [TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
         TimeSpan.FromDays(1), TimeSpan.FromDays(2), TimeSpan.FromDays(7), TimeSpan.FromDays(14), TimeSpan.FromDays(30)];

    public static KeyTimelineLayout For(KeyRingView view, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(zone);
        var ring = view.Ring;
        var now = view.Now;

        // The newest key without a retirement signs until its successor would: the next rotation (now, when overdue) plus the lead.
        var openEnd = (view.NextRotationDue is { } due && due > now ? due : now) + ring.LeadTime;
        var lookback = now - ring.RotationPeriod - ring.Grace;
        var relevant = view.Versions.Where(v => (v.RevokedAt ?? v.RemoveAt ?? DateTimeOffset.MaxValue) > lookback).ToList();
        var start = relevant.Count == 0 ? now - ring.LeadTime : Max(lookback, relevant.Min(v => v.PublishAt));
        var end = new[] { now + ring.LeadTime, relevant.Any(v => v.RetireAt is null && v.RevokedAt is null) ? openEnd : now }
            .Concat(relevant.SelectMany(v => new[] { v.PublishAt, v.ActivateAt, v.RetireAt, v.RemoveAt, v.RevokedAt }).OfType<DateTimeOffset>())
            .Max();
        start = Min(start, now);
        var span = end - start;
        (start, end) = (start - (span * Padding), end + (span * Padding));

        var scale = new Scale(start, end);
        var rows = view.Versions
            .Where(v => v.PublishAt < end && (v.RevokedAt ?? v.RemoveAt ?? DateTimeOffset.MaxValue) > start)
            .OrderBy(v => v.ActivateAt).ThenBy(v => v.CreatedAt)
            .Select(v => new KeyTimelineRow(v, Segments(v, ring, openEnd, scale)))
            .ToList();
        var next = view.NextRotationDue;
        return new KeyTimelineLayout(start, end, rows, scale.X(now), next, next is { } n ? scale.X(n) : null, AxisTicks(scale, zone));
    }

    /// <summary>A version's windows, cut at its revocation, clipped to the window.</summary>
    public static IReadOnlyList<KeySegment> Segments(KeyVersionView version, KeyRing ring, DateTimeOffset openEnd, DateTimeOffset start, DateTimeOffset end)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(ring);
        return Segments(version, ring, openEnd, new Scale(start, end));
    }

    private static List<KeySegment> Segments(KeyVersionView v, KeyRing ring, DateTimeOffset openEnd, Scale scale)
    {
        var planned = new List<(KeySegmentKind Kind, DateTimeOffset From, DateTimeOffset To, bool Open)>();
        if (v.ActivateAt > v.PublishAt)
        {
            planned.Add((KeySegmentKind.Published, v.PublishAt, v.ActivateAt, false));
        }

        var signingEnd = v.RetireAt ?? Max(openEnd, v.ActivateAt);
        planned.Add((KeySegmentKind.Signing, v.ActivateAt, signingEnd, v.RetireAt is null));
        if (v.RetireAt is { } retire)
        {
            planned.Add((KeySegmentKind.Grace, retire, v.RemoveAt ?? retire + ring.Grace, false));
        }

        var segments = new List<KeySegment>();
        if (v.RevokedAt is { } cut)
        {
            var plannedEnd = planned.Max(p => p.To);
            planned = [.. planned.Where(p => p.From < cut).Select(p => p with { To = Min(p.To, cut), Open = p.Open && p.To <= cut })];
            planned.Add((KeySegmentKind.Revoked, cut, Max(plannedEnd, cut), false));
        }

        foreach (var (kind, from, to, open) in planned)
        {
            if (to <= scale.Start || from >= scale.End)
            {
                continue;
            }

            var left = scale.X(from);
            var width = Math.Min(Math.Max(scale.X(to) - left, kind == KeySegmentKind.Revoked ? MinRevokedWidth : MinWidth), 100 - left);

            if (width > 0)
            {
                segments.Add(new KeySegment(kind, from, to, left, Math.Round(width, 3), open));
            }
        }

        return segments;
    }

    private static List<KeyTimelineTick> AxisTicks(Scale scale, TimeZoneInfo zone)
    {
        var span = scale.End - scale.Start;
        var step = TickSteps.FirstOrDefault(s => span / s <= MaxTicks, TickSteps[^1]);
        var local = TimeZoneInfo.ConvertTime(scale.Start, zone).DateTime;
        var cursor = step >= TimeSpan.FromDays(1)
            ? local.Date.AddDays(1)
            : local.Date.AddHours(Math.Ceiling(local.TimeOfDay.TotalHours / step.TotalHours) * step.TotalHours);
        var ticks = new List<KeyTimelineTick>();
        for (; ticks.Count <= MaxTicks * 2; cursor += step)
        {
            if (zone.IsInvalidTime(cursor))
            {
                continue; // a daylight-saving gap
            }

            var at = new DateTimeOffset(cursor, zone.GetUtcOffset(cursor));
            if (at >= scale.End)
            {
                break;
            }

            if (at > scale.Start)
            {
                var withDate = step >= TimeSpan.FromDays(1) || cursor.TimeOfDay == TimeSpan.Zero || ticks.Count == 0;
                var label = withDate && step < TimeSpan.FromDays(1)
                    ? cursor.ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture)
                    : cursor.ToString(withDate ? "ddd d MMM" : "HH:mm", CultureInfo.InvariantCulture);
                ticks.Add(new KeyTimelineTick(at, scale.X(at), label));
            }
        }

        return ticks;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    /// <summary>Instants to percent of the width, clamped to the plot.</summary>
    private readonly record struct Scale(DateTimeOffset Start, DateTimeOffset End)
    {
        public double X(DateTimeOffset at) =>
            Math.Round(Math.Clamp((at - Start) / (End - Start) * 100, 0, 100), 3);
    }
}
