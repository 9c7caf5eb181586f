using System.Globalization;
using OpsConsole.Core.Keys;
using OpsConsole.Web.Features.Keys;

namespace OpsConsole.Web.Tests.Features.Keys;

public sealed class KeyTimelineLayoutTests
{
    private static readonly DateTimeOffset T0 = FakeKeyCommands.T0;
    private static readonly KeyRing Ring = FakeKeyCommands.SampleShop; // 7d period, 1h lead, 1d grace

    [Fact]
    public void The_signing_key_without_a_successor_signs_open_ended_until_the_next_rotation_would_take_over()
    {
        var view = FakeKeyCommands.View(Ring, FakeKeyCommands.SampleShopVersions());

        var layout = KeyTimelineLayout.For(view, TimeZoneInfo.Utc);

        var signing = layout.Rows.Single(r => r.Version.Kid == FakeKeyCommands.SigningKid);
        var bar = signing.Segments.Single(s => s.Kind == KeySegmentKind.Signing);
        Assert.True(bar.OpenEnded);
        Assert.Equal(T0.AddDays(-2), bar.From);
        Assert.Equal(view.NextRotationDue!.Value + Ring.LeadTime, bar.To); // the successor would sign then
        Assert.Equal(T0.AddDays(5), bar.To);
        Assert.Equal(view.NextRotationDue, layout.NextRotation);
        Assert.True(layout.NowX > 0 && layout.NowX < layout.NextRotationX && layout.NextRotationX < 100);
        Assert.True(bar.Left + bar.Width <= 100);
    }

    [Fact]
    public void A_rotation_under_way_shows_the_new_key_published_then_signing_and_the_old_one_retiring_into_its_grace()
    {
        var view = FakeKeyCommands.View(Ring, FakeKeyCommands.Rotated());

        var layout = KeyTimelineLayout.For(view, TimeZoneInfo.Utc);

        var old = layout.Rows.Single(r => r.Version.Kid == FakeKeyCommands.SigningKid).Segments;
        Assert.Equal([KeySegmentKind.Published, KeySegmentKind.Signing, KeySegmentKind.Grace], old.Select(s => s.Kind));
        Assert.Equal((T0.AddDays(-2), T0.AddHours(1)), (old[1].From, old[1].To));
        Assert.False(old[1].OpenEnded);
        Assert.Equal((T0.AddHours(1), T0.AddDays(1).AddHours(1)), (old[2].From, old[2].To));

        var added = layout.Rows.Single(r => r.Version.Kid == FakeKeyCommands.PendingKid).Segments;
        Assert.Equal([KeySegmentKind.Published, KeySegmentKind.Signing], added.Select(s => s.Kind));
        Assert.Equal((T0, T0.AddHours(1)), (added[0].From, added[0].To));
        Assert.True(added[1].OpenEnded);
        // Windows meet: the old key's signing ends where the new key's starts; the new key is published from now. The hour
        // of lead time is narrower than a pixel on this week-long picture, so it is drawn at the least width.
        Assert.Equal(old[1].Left + old[1].Width, added[1].Left, 2);
        Assert.Equal(layout.NowX, added[0].Left, 2);
        Assert.Equal(KeyTimelineLayout.MinWidth, added[0].Width, 3);
    }

    [Fact]
    public void A_revocation_cuts_the_windows_and_marks_what_it_cut_off()
    {
        // The signing key revoked at T0 with its pending successor taking over then (what the timeline's revoke does).
        var rotated = FakeKeyCommands.Rotated();
        var change = KeyTimeline.Revoke(Ring, rotated, FakeKeyCommands.SigningKid, T0.AddMinutes(30));
        var view = FakeKeyCommands.View(Ring, change.Versions, T0.AddMinutes(40));

        var layout = KeyTimelineLayout.For(view, TimeZoneInfo.Utc);

        var revoked = layout.Rows.Single(r => r.Version.Kid == FakeKeyCommands.SigningKid).Segments;
        Assert.Equal([KeySegmentKind.Published, KeySegmentKind.Signing, KeySegmentKind.Revoked], revoked.Select(s => s.Kind));
        Assert.Equal(T0.AddMinutes(30), revoked[1].To); // signing stops at the revocation, no grace after it
        Assert.Equal(T0.AddMinutes(30), revoked[2].From);
        Assert.Equal(T0.AddDays(1).AddHours(1), revoked[2].To); // where it would have left the JWKS
        Assert.True(revoked[2].Width >= KeyTimelineLayout.MinRevokedWidth);

        var successor = layout.Rows.Single(r => r.Version.Kid == FakeKeyCommands.PendingKid).Segments;
        Assert.Equal(T0.AddMinutes(30), successor.Single(s => s.Kind == KeySegmentKind.Signing).From);
    }

    [Fact]
    public void Keys_gone_before_the_window_are_left_out_and_rows_run_oldest_first()
    {
        var ancient = new KeyVersion("zzzzzzzz-ancient", T0.AddDays(-60), T0.AddDays(-60), T0.AddDays(-60), T0.AddDays(-53), T0.AddDays(-52));
        var view = FakeKeyCommands.View(Ring, [ancient, .. FakeKeyCommands.Rotated()]);

        var layout = KeyTimelineLayout.For(view, TimeZoneInfo.Utc);

        Assert.Equal([FakeKeyCommands.OldKid, FakeKeyCommands.SigningKid, FakeKeyCommands.PendingKid], layout.Rows.Select(r => r.Version.Kid));
        Assert.True(layout.Start >= T0.AddDays(-9));
        Assert.All(layout.Rows.SelectMany(r => r.Segments), s => Assert.True(s.Left >= 0 && s.Width > 0 && s.Left + s.Width <= 100.001));
    }

    [Fact]
    public void Axis_ticks_fall_on_the_viewers_midnights_in_order()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var view = FakeKeyCommands.View(Ring, FakeKeyCommands.Rotated());

        var layout = KeyTimelineLayout.For(view, paris);

        Assert.InRange(layout.Ticks.Count, 3, KeyTimelineLayout.MaxTicks);
        Assert.All(layout.Ticks, t => Assert.Equal(TimeSpan.Zero, TimeZoneInfo.ConvertTime(t.At, paris).TimeOfDay));
        Assert.Equal(layout.Ticks.OrderBy(t => t.X).Select(t => t.At), layout.Ticks.Select(t => t.At));
        Assert.All(layout.Ticks, t => Assert.InRange(t.X, 0, 100));
        Assert.All(layout.Ticks, t => Assert.Equal(TimeZoneInfo.ConvertTime(t.At, paris).ToString("ddd d MMM", CultureInfo.InvariantCulture), t.Label));
        Assert.Contains(layout.Ticks, t => t.Label.EndsWith(" Dec", StringComparison.Ordinal) && t.At > T0); // days ahead too
    }

    [Fact]
    public void A_short_window_gets_hourly_ticks_labelled_with_the_date_at_midnight()
    {
        // A ring with a one-day period, freshly created: the picture spans about a day.
        var ring = Ring with { RotationPeriod = TimeSpan.FromDays(1), Grace = TimeSpan.FromHours(2), WarnBefore = TimeSpan.FromHours(3) };
        var view = FakeKeyCommands.View(ring, [new KeyVersion("dddddddd-fresh", T0, T0, T0)], T0.AddMinutes(5));

        var layout = KeyTimelineLayout.For(view, TimeZoneInfo.Utc);

        Assert.True(layout.Ticks.Count >= 3);
        Assert.Contains(layout.Ticks, t => t.Label == "Tue 8 Dec 00:00");
        Assert.Contains(layout.Ticks, t => t.Label.Length == 5 && t.Label[2] == ':'); // "HH:mm" between
        Assert.True(layout.NowX > 0); // padding: a key made just now does not start on the edge
    }
}
