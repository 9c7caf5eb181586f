using System.Security.Claims;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Keys;

namespace OpsConsole.Web.Tests.Features.Keys;

/// <summary>
/// Key rings in memory behind <see cref="IKeyCommands"/>, the seam the key pages use (the real service needs PostgreSQL).
/// A test sets the versions a ring has and what a request answers, and reads what the pages asked for. The views are made
/// by the real <see cref="KeyTimeline"/>, so states, urgency and problems are what the service would say.
/// </summary>
public sealed class FakeKeyCommands : IKeyCommands
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public const string OldKid = "aaaaaaaa-old-key-thumbprint";
    public const string SigningKid = "bbbbbbbb-signing-key-thumbprint";
    public const string PendingKid = "cccccccc-pending-key-thumbprint";

    public static readonly KeyRing SampleShop = new("sampleshop", SigningAlgorithm.Find("ES256")!, 2048,
        TimeSpan.FromDays(7), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromHours(8), TimeSpan.FromDays(1), false);

    public static readonly KeyRing Partners = new("partners", SigningAlgorithm.Find("RS256")!, 2048,
        TimeSpan.FromDays(30), TimeSpan.FromDays(1), TimeSpan.FromDays(2), TimeSpan.FromDays(1), TimeSpan.FromDays(3), true);

    private readonly object _lock = new();
    private readonly Dictionary<string, KeyRingView> _views = new(StringComparer.Ordinal);
    private int _reads;

    public FakeKeyCommands()
    {
        Set(View(SampleShop, SampleShopVersions()));
        Set(View(Partners, [new KeyVersion(SigningKid, T0.AddDays(-29), T0.AddDays(-29), T0.AddDays(-29))])); // overdue
    }

    public bool MayRotate { get; set; } = true;

    public bool MayRevoke { get; set; } = true;

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>What a rotation answers (or throws); default: a queued rotation of the ring.</summary>
    public Func<OperationView>? OnRotate { get; set; }

    public Func<OperationView>? OnRevoke { get; set; }

    public Func<string, RevocationPreview>? OnPreview { get; set; }

    public List<(string Ring, string? Confirmation, bool Immediate, string? Reason)> Rotations { get; } = [];

    public List<(string Ring, string Kid, string? Confirmation, string? Reason)> Revocations { get; } = [];

    public void Set(KeyRingView view)
    {
        lock (_lock)
        {
            _views[view.Name] = view;
        }
    }

    /// <summary>sampleshop at <see cref="T0"/>: an old key removed yesterday, the signing key active since two days.</summary>
    public static List<KeyVersion> SampleShopVersions() =>
    [
        new(OldKid, T0.AddDays(-9), T0.AddDays(-9), T0.AddDays(-9), T0.AddDays(-2), T0.AddDays(-1)),
        new(SigningKid, T0.AddDays(-2).AddHours(-1), T0.AddDays(-2).AddHours(-1), T0.AddDays(-2)),
    ];

    /// <summary>sampleshop right after a rotation at <see cref="T0"/>: the new key published, signing in an hour.</summary>
    public static List<KeyVersion> Rotated()
    {
        var change = KeyTimeline.Rotate(SampleShop, SampleShopVersions(), PendingKid, T0);
        return [.. change.Versions];
    }

    public static KeyRingView View(KeyRing ring, IReadOnlyList<KeyVersion> versions, DateTimeOffset? now = null, OperationView? active = null)
    {
        var at = now ?? T0;
        var snapshot = KeyTimeline.Snapshot(ring, versions, at);
        var views = snapshot.Versions.Select(s => new KeyVersionView(
            s.Version.Kid, ring.Algorithm.Name, s.State, s.Version.CreatedAt, s.Version.PublishAt, s.Version.ActivateAt, s.Version.RetireAt, s.Version.RemoveAt,
            s.Version.RevokedAt, "system", new PublicJwk("EC", "sig", ring.Algorithm.Name, s.Version.Kid))).ToList();
        return new KeyRingView(ring, at, views, snapshot.Signing?.Kid, snapshot.NextRotationDue, snapshot.Urgency, snapshot.Problems, active);
    }

    public static OperationView Operation(string kind, string ring, OperationState state, string? title = null) => new(
        Guid.CreateVersion7(T0), kind, KeyKinds.Target(ring), title ?? $"Rotate {ring}", state, new Dictionary<string, string> { ["ring"] = ring }, "sam", T0,
        state == OperationState.AwaitingApproval, null, null, null, false, null, null, null, null, null, null, null, 0)
    {
        RequestedById = "u-sam",
    };

    public Task<bool> MayRotateAsync(ClaimsPrincipal caller) => Task.FromResult(MayRotate);

    public Task<bool> MayRevokeAsync(ClaimsPrincipal caller) => Task.FromResult(MayRevoke);

    public Task<IReadOnlyList<KeyRingView>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<KeyRingView>>([.. _views.Values.OrderBy(v => v.Name, StringComparer.Ordinal)]);
        }
    }

    public Task<KeyRingView> GetAsync(ClaimsPrincipal caller, string ring, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        lock (_lock)
        {
            return _views.TryGetValue(ring, out var view)
                ? Task.FromResult(view)
                : Task.FromException<KeyRingView>(new KeyNotFoundException($"There is no key ring \"{ring}\" (Keys:Rings)."));
        }
    }

    public Task<OperationView> RotateAsync(ClaimsPrincipal caller, string ring, string? confirmation, bool immediate, string? reason)
    {
        Rotations.Add((ring, confirmation, immediate, reason));
        return Task.FromResult(OnRotate is { } answer ? answer() : Operation(KeyKinds.Rotate, ring, OperationState.Queued));
    }

    public Task<RevocationPreview> PreviewRevokeAsync(ClaimsPrincipal caller, string ring, string kid, CancellationToken cancellationToken = default) =>
        Task.FromResult(OnPreview is { } answer ? answer(kid) : new RevocationPreview(kid, KeyState.Retired, null, [], false));

    public Task<OperationView> RevokeAsync(ClaimsPrincipal caller, string ring, string kid, string? confirmation, string? reason)
    {
        Revocations.Add((ring, kid, confirmation, reason));
        return Task.FromResult(OnRevoke is { } answer ? answer() : Operation(KeyKinds.Revoke, ring, OperationState.AwaitingApproval, $"Revoke key {KeyKinds.Short(kid)} of {ring}"));
    }
}
