using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Keys;

namespace OpsConsole.Core.Tests.Keys;

public sealed class KeyTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly KeyRing Ring = new(
        "sessions", SigningAlgorithm.ES256, 2048, RotationPeriod: TimeSpan.FromDays(30), LeadTime: TimeSpan.FromDays(1),
        Grace: TimeSpan.FromHours(12), MaxTokenLifetime: TimeSpan.FromHours(12), WarnBefore: TimeSpan.FromDays(3), RequireApproval: false);

    private static IReadOnlyList<KeyVersion> Apply(KeyTimelineChange change)
    {
        Assert.Null(change.Refusal);
        return change.Versions;
    }

    [Fact]
    public void The_first_key_signs_at_once_and_a_rotation_publishes_the_next_one_a_lead_time_before_it_signs()
    {
        var ring = Apply(KeyTimeline.Rotate(Ring, [], "k1", T0));
        Assert.Equal(new KeyVersion("k1", T0, T0, T0), Assert.Single(ring));
        Assert.Equal("k1", KeyTimeline.Signing(ring, T0)?.Kid);
        Assert.Equal(T0 + TimeSpan.FromDays(29), KeyTimeline.NextRotationDue(Ring, ring));

        var at = T0 + TimeSpan.FromDays(29);
        var change = KeyTimeline.Rotate(Ring, ring, "k2", at);
        ring = Apply(change);
        Assert.Empty(change.Warnings);
        Assert.Equal(new KeyVersion("k2", at, at, at + Ring.LeadTime), ring.Single(v => v.Kid == "k2"));
        Assert.Equal(new KeyVersion("k1", T0, T0, T0, at + Ring.LeadTime, at + Ring.LeadTime + Ring.Grace), ring.Single(v => v.Kid == "k1"));
        Assert.Equal(["k1", "k2"], change.Changed.Select(v => v.Kid).Order(StringComparer.Ordinal));

        var states = KeyTimeline.Snapshot(Ring, ring, at).Versions.Select(s => (s.Version.Kid, s.State));
        Assert.Equal(new[] { ("k1", KeyState.Active), ("k2", KeyState.Pending) }, states);
        Assert.Equal(T0 + TimeSpan.FromDays(59), KeyTimeline.NextRotationDue(Ring, ring)); // k2 signs for a full period from day 30
    }

    [Fact]
    public void States_follow_the_windows_and_the_jwks_lists_pending_active_and_retired_only()
    {
        var k1 = new KeyVersion("k1", T0, T0, T0, T0.AddDays(30), T0.AddDays(30.5));
        var k2 = new KeyVersion("k2", T0.AddDays(29), T0.AddDays(29), T0.AddDays(30));
        var k0 = new KeyVersion("k0", T0.AddDays(-30), T0.AddDays(-30), T0.AddDays(-30), T0, T0.AddDays(0.5), RevokedAt: T0.AddHours(1));
        IReadOnlyList<KeyVersion> ring = [k0, k1, k2];

        Assert.Equal(KeyState.Retired, k0.StateAt(T0));
        Assert.Equal(KeyState.Revoked, k0.StateAt(T0.AddHours(1)));
        Assert.Equal(KeyState.Scheduled, k2.StateAt(T0.AddDays(28)));
        Assert.Equal(KeyState.Pending, k2.StateAt(T0.AddDays(29)));
        Assert.Equal(KeyState.Active, k1.StateAt(T0.AddDays(30).AddTicks(-1)));
        Assert.Equal(KeyState.Retired, k1.StateAt(T0.AddDays(30)));
        Assert.Equal(KeyState.Removed, k1.StateAt(T0.AddDays(30.5)));

        Assert.Equal(["k0", "k1"], KeyTimeline.Published(ring, T0).Select(v => v.Kid));
        Assert.Equal(["k1"], KeyTimeline.Published(ring, T0.AddHours(1)).Select(v => v.Kid)); // revoked: out at once
        Assert.Equal(["k1", "k2"], KeyTimeline.Published(ring, T0.AddDays(29)).Select(v => v.Kid));
        Assert.Equal(["k1", "k2"], KeyTimeline.Published(ring, T0.AddDays(30)).Select(v => v.Kid));
        Assert.Equal(["k2"], KeyTimeline.Published(ring, T0.AddDays(30.5)).Select(v => v.Kid)); // removed after the grace
        Assert.Equal("k2", KeyTimeline.Signing(ring, T0.AddDays(30))?.Kid);
    }

    [Fact]
    public void Urgency_is_due_soon_within_warn_before_and_overdue_from_the_due_time()
    {
        IReadOnlyList<KeyVersion> ring = [new KeyVersion("k1", T0, T0, T0)];
        var due = T0.AddDays(29);

        Assert.Equal(RotationUrgency.NotDue, KeyTimeline.Urgency(Ring, ring, due - Ring.WarnBefore - TimeSpan.FromTicks(1)));
        Assert.Equal(RotationUrgency.DueSoon, KeyTimeline.Urgency(Ring, ring, due - Ring.WarnBefore));
        Assert.Equal(RotationUrgency.Overdue, KeyTimeline.Urgency(Ring, ring, due));
        Assert.Equal(RotationUrgency.Overdue, KeyTimeline.Snapshot(Ring, ring, due.AddDays(100)).Urgency);
        Assert.Equal("k1", KeyTimeline.Signing(ring, due.AddDays(100))?.Kid); // an overdue key keeps signing: never no key
        Assert.Equal(RotationUrgency.NotDue, KeyTimeline.Urgency(Ring, [], T0));
    }

    [Fact]
    public void A_second_rotation_while_one_is_under_way_is_refused_and_an_immediate_one_warns()
    {
        var ring = Apply(KeyTimeline.Rotate(Ring, [], "k1", T0));
        ring = Apply(KeyTimeline.Rotate(Ring, ring, "k2", T0.AddDays(2)));

        var again = KeyTimeline.Rotate(Ring, ring, "k3", T0.AddDays(2.5));
        Assert.StartsWith("a rotation is already under way: k2 is published and signs from", again.Refusal, StringComparison.Ordinal);
        Assert.Same(ring, again.Versions);
        Assert.Contains("already has a version k1", KeyTimeline.Rotate(Ring, ring, "k1", T0.AddDays(5)).Refusal, StringComparison.Ordinal);

        var now = T0.AddDays(5);
        var emergency = KeyTimeline.Rotate(Ring, ring, "k3", now, immediate: true);
        ring = Apply(emergency);
        Assert.Equal("k3", KeyTimeline.Signing(ring, now)?.Kid);
        Assert.Equal(KeyState.Retired, ring.Single(v => v.Kid == "k2").StateAt(now));
        Assert.Contains("signs at once", Assert.Single(emergency.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Revoking_the_signing_key_hands_signing_to_the_pending_one_at_once()
    {
        var ring = Apply(KeyTimeline.Rotate(Ring, [], "k1", T0));
        ring = Apply(KeyTimeline.Rotate(Ring, ring, "k2", T0.AddDays(29)));
        var now = T0.AddDays(29).AddHours(1);

        var change = KeyTimeline.Revoke(Ring, ring, "k1", now);
        ring = Apply(change);

        Assert.Equal("k2", KeyTimeline.Signing(ring, now)?.Kid);
        Assert.Equal(["k2"], KeyTimeline.Published(ring, now).Select(v => v.Kid));
        Assert.Equal(2, change.Warnings.Count);
        Assert.Equal(now + Ring.RotationPeriod - Ring.LeadTime, KeyTimeline.NextRotationDue(Ring, ring));
        Assert.Contains("already revoked", KeyTimeline.Revoke(Ring, ring, "k1", now.AddHours(1)).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoking_the_only_signing_key_without_a_pending_one_is_refused_saying_what_to_do()
    {
        var ring = Apply(KeyTimeline.Rotate(Ring, [], "k1", T0));

        var change = KeyTimeline.Revoke(Ring, ring, "k1", T0.AddDays(3));

        Assert.Equal(
            "k1 is the signing key and no pending key can take over: rotate with immediate activation first (a new key signs at once, k1 retires), then revoke k1.",
            change.Refusal);
        Assert.Same(ring, change.Versions);
        Assert.Contains("no version k9", KeyTimeline.Revoke(Ring, ring, "k9", T0).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoking_a_pending_key_cancels_its_rotation_so_the_active_key_keeps_signing()
    {
        var ring = Apply(KeyTimeline.Rotate(Ring, [], "k1", T0));
        ring = Apply(KeyTimeline.Rotate(Ring, ring, "k2", T0.AddDays(29)));

        var change = KeyTimeline.Revoke(Ring, ring, "k2", T0.AddDays(29.5));
        ring = Apply(change);

        var later = T0.AddDays(60);
        Assert.Equal("k1", KeyTimeline.Signing(ring, later)?.Kid);
        Assert.Equal(new KeyVersion("k1", T0, T0, T0), ring.Single(v => v.Kid == "k1"));
        Assert.Contains("the rotation to k2 is cancelled: k1 keeps signing", Assert.Single(change.Warnings), StringComparison.Ordinal);
        Assert.Equal(RotationUrgency.Overdue, KeyTimeline.Urgency(Ring, ring, T0.AddDays(29.5))); // due again: the scheduler rotates anew
    }

    [Fact]
    public void Revoking_a_retired_key_removes_it_at_once_and_a_removed_key_cannot_be_revoked()
    {
        var ring = Apply(KeyTimeline.Rotate(Ring, [], "k1", T0));
        ring = Apply(KeyTimeline.Rotate(Ring, ring, "k2", T0.AddDays(29)));
        var retired = T0.AddDays(30).AddHours(1);

        ring = Apply(KeyTimeline.Revoke(Ring, ring, "k1", retired));
        Assert.Equal(["k2"], KeyTimeline.Published(ring, retired).Select(v => v.Kid));

        IReadOnlyList<KeyVersion> other = [new KeyVersion("old", T0, T0, T0, T0.AddDays(1), T0.AddDays(2)), new KeyVersion("new", T0, T0, T0.AddDays(1))];
        Assert.Contains("already removed from the JWKS", KeyTimeline.Revoke(Ring, other, "old", T0.AddDays(3)).Refusal, StringComparison.Ordinal);
    }

    /// <summary>
    /// A scheduler on a fake clock rotates whenever a rotation is overdue, checking every few hours, with operators
    /// rotating early now and then (refused while a rotation is under way), for 100 scheduled rotations. At every checked
    /// instant: one signing key; it has been published for at least the lead time (the first key excepted); and it stays
    /// published for the longest token lifetime after it signed.
    /// </summary>
    [Theory]
    [InlineData(1, "30d", "1d", "12h", "12h", "3h")]
    [InlineData(2, "7d", "2h", "3d", "1d", "1h")]
    [InlineData(3, "1d", "23h", "1h", "1h", "17m")]
    public void Across_many_rotations_one_key_signs_and_every_token_it_signed_validates_until_it_expires(int seed, string period, string lead, string grace, string lifetime, string step)
    {
        var ring = Ring with
        {
            RotationPeriod = PromDuration.Parse(period),
            LeadTime = PromDuration.Parse(lead),
            Grace = PromDuration.Parse(grace),
            MaxTokenLifetime = PromDuration.Parse(lifetime),
        };
        var tick = PromDuration.Parse(step);
        var random = new Random(seed);
        var clock = new FakeTimeProvider(T0);
        IReadOnlyList<KeyVersion> versions = Apply(KeyTimeline.Rotate(ring, [], "k0", clock.GetUtcNow()));
        var scheduled = 0;
        var manual = 0;
        var next = 1;
        var checkedAt = new List<DateTimeOffset>();
        var manualOdds = Math.Max(1, (int)((ring.RotationPeriod - ring.LeadTime) / tick) * 4); // about one early rotation in four
        while (scheduled < 100)
        {
            // The scheduler runs up to a tenth of a tick late; operators now and then rotate early.
            clock.Advance(tick + TimeSpan.FromTicks(random.NextInt64(tick.Ticks / 10)));
            var now = clock.GetUtcNow();
            checkedAt.Add(now);
            if (KeyTimeline.Urgency(ring, versions, now) == RotationUrgency.Overdue)
            {
                versions = Apply(KeyTimeline.Rotate(ring, versions, $"k{next++}", now));
                scheduled++;
            }
            else if (random.Next(manualOdds) == 0)
            {
                var change = KeyTimeline.Rotate(ring, versions, $"k{next}", now);
                if (!change.Refused)
                {
                    versions = change.Versions;
                    next++;
                    manual++;
                }
            }
        }

        Assert.True(manual > 0, "the run should include early rotations");
        Assert.Equal(next, versions.Count);
        var end = versions.Max(v => v.ActivateAt) + tick; // far enough for the last key made to sign

        // Every boundary (and just before it) as well as every scheduler tick.
        var instants = checkedAt
            .Concat(versions.SelectMany(v => new[] { v.PublishAt, v.ActivateAt, v.RetireAt, v.RemoveAt }.OfType<DateTimeOffset>()))
            .SelectMany(t => new[] { t, t.AddTicks(-1) })
            .Where(t => t >= T0 && t <= end)
            .Distinct()
            .Order()
            .ToList();
        var firstSigned = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var t in instants)
        {
            var active = versions.Count(v => v.StateAt(t) == KeyState.Active);
            Assert.True(active == 1, $"{active} active keys at {t:u}");
            var signer = KeyTimeline.Signing(versions, t)!;
            firstSigned.TryAdd(signer.Kid, t);

            Assert.Contains(signer, KeyTimeline.Published(versions, t));
            var expires = t + ring.MaxTokenLifetime;
            if (expires <= end)
            {
                Assert.True(
                    KeyTimeline.Published(versions, expires - TimeSpan.FromTicks(1)).Contains(signer),
                    $"{signer.Kid} signed at {t:u} but is gone before the token expires at {expires:u}");
            }
        }

        foreach (var (kid, first) in firstSigned.Where(f => f.Key != "k0"))
        {
            var key = versions.Single(v => v.Kid == kid);
            Assert.True(key.IsPublishedAt(first - ring.LeadTime), $"{kid} signs from {first:u} but was not published a lead time before");
            Assert.Equal(key.ActivateAt, first);
        }

        Assert.Equal(next, firstSigned.Count); // every key that was made signed in turn, none skipped
    }
}
