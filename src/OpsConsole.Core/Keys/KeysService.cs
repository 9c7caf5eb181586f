using System.Security.Claims;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Keys;

/// <summary>A key version as pages and the API show it: its windows and state, never a private part.</summary>
public sealed record KeyVersionView(
    string Kid,
    string Algorithm,
    KeyState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset PublishAt,
    DateTimeOffset ActivateAt,
    DateTimeOffset? RetireAt,
    DateTimeOffset? RemoveAt,
    DateTimeOffset? RevokedAt,
    string CreatedBy,
    PublicJwk PublicJwk)
{
    public string ShortKid => KeyKinds.Short(Kid);
}

/// <summary>A ring at one instant: its settings, every version, who signs, the next rotation and the operation under way.</summary>
public sealed record KeyRingView(
    KeyRing Ring,
    DateTimeOffset Now,
    IReadOnlyList<KeyVersionView> Versions,
    string? SigningKid,
    DateTimeOffset? NextRotationDue,
    RotationUrgency Urgency,
    IReadOnlyList<string> Problems,
    OperationView? Active)
{
    public string Name => Ring.Name;

    /// <summary>Services validating the ring's tokens, by kid, over the last hour (from their scraped metrics).</summary>
    public IReadOnlyList<KeyConsumerUsage> Consumers { get; init; } = [];
}

/// <summary>What revoking a version would do now: the timeline's refusal, or its warnings (the dialog shows them before the typed confirmation).</summary>
public sealed record RevocationPreview(string Kid, KeyState State, string? Refusal, IReadOnlyList<string> Warnings, bool NeedsApproval);

/// <summary>A request the ring's rules refuse, naming the field (HTTP 422).</summary>
public sealed class KeyRequestException(string field, string message) : ArgumentException(message, field);

/// <summary>
/// Signing key rings for people and the API: read the rings (<see cref="ConsolePolicies.KeysRead"/>), request a rotation
/// (<see cref="ConsolePolicies.KeysRotate"/>) or an emergency revocation (<see cref="ConsolePolicies.KeysRevoke"/>, a
/// second person's approval on rings with RequireApproval). Each change runs as an operation on the ring's target.
/// </summary>
public sealed class KeysService(
    ConfiguredKeyRings rings, KeyRingStore store, OperationService operations, ConsoleDbContext db, AuditedActions actions, KeyWatch watch, TimeProvider time)
{
    public const string Scheduled = "scheduled";

    public static readonly AccessRule ReadRule = new(ConsolePolicies.KeysRead, "keys.read", "key_ring", "Your roles may not see signing keys.");

    public static readonly AccessRule RotateRule = new(ConsolePolicies.KeysRotate, "keys.access", "key_ring", "Rotating signing keys needs the Admin or Sre role.");

    public static readonly AccessRule RevokeRule = new(ConsolePolicies.KeysRevoke, "keys.access", "key_ring", "Revoking a signing key needs the Admin role.");

    public const int MaxReasonLength = 500;

    public async Task<IReadOnlyList<KeyRingView>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var keys = await store.ReadAsync([.. rings.Rings.Select(r => r.Name)], cancellationToken);
        var active = await ActiveAsync(null, cancellationToken);
        var now = time.GetUtcNow();
        return [.. rings.Rings.Select(r => View(r, [.. keys.Where(k => k.Ring == r.Name)], active, now) with { Consumers = watch.ConsumersOf(r.Name) })];
    }

    /// <exception cref="KeyNotFoundException">No such ring.</exception>
    public async Task<KeyRingView> GetAsync(ClaimsPrincipal caller, string ring, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var found = Find(ring);
        var keys = await store.ReadAsync([found.Name], cancellationToken);
        var active = await ActiveAsync(KeyKinds.Target(found.Name), cancellationToken);
        return View(found, keys, active, time.GetUtcNow()) with { Consumers = watch.ConsumersOf(found.Name) };
    }

    /// <summary>
    /// Requests a rotation of <paramref name="ring"/>; <paramref name="confirmation"/> must be the ring's name.
    /// <paramref name="immediate"/> makes the new key sign at once, skipping the lead time (after a suspected leak).
    /// </summary>
    /// <exception cref="KeyRequestException">Wrong confirmation, or a rotation is already under way.</exception>
    public async Task<OperationView> RotateAsync(ClaimsPrincipal caller, string ring, string? confirmation, bool immediate = false, string? reason = null, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, RotateRule, cancellationToken);
        var found = Find(ring);
        if (!string.Equals(confirmation?.Trim(), found.Name, StringComparison.Ordinal))
        {
            throw new KeyRequestException("confirmation", $"Type the ring's name, {found.Name}, to confirm the rotation.");
        }

        var cleanReason = Reason(reason, required: false);
        var now = time.GetUtcNow();
        var versions = await store.ReadVersionsAsync(found.Name, cancellationToken);
        var trial = KeyTimeline.Rotate(found, versions, "(new)", now, immediate);
        if (trial.Refusal is { } refusal)
        {
            throw new KeyRequestException("ring", $"{found.Name} cannot be rotated now: {refusal}");
        }

        var parameters = new Dictionary<string, string> { ["ring"] = found.Name, ["immediate"] = immediate ? "true" : "false", ["trigger"] = "manual" };
        if (cleanReason is not null)
        {
            parameters["reason"] = cleanReason;
        }

        var title = immediate ? $"Rotate {found.Name} now (new key signs at once)" : $"Rotate {found.Name}";
        return await operations.RequestAsync(caller, new OperationRequest(KeyKinds.Rotate, KeyKinds.Target(found.Name), title, false, parameters), cancellationToken);
    }

    /// <summary>What revoking <paramref name="kid"/> would do now, for the dialog (the request checks again).</summary>
    /// <exception cref="KeyNotFoundException">No such ring or version.</exception>
    public async Task<RevocationPreview> PreviewRevokeAsync(ClaimsPrincipal caller, string ring, string kid, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var found = Find(ring);
        var versions = await store.ReadVersionsAsync(found.Name, cancellationToken);
        var version = versions.FirstOrDefault(v => v.Kid == kid) ?? throw new KeyNotFoundException($"{found.Name} has no key {kid}.");
        var now = time.GetUtcNow();
        var trial = KeyTimeline.Revoke(found, versions, kid, now);
        return new RevocationPreview(kid, version.StateAt(now), trial.Refusal, trial.Warnings, found.RequireApproval);
    }

    /// <summary>
    /// Requests the emergency revocation of <paramref name="kid"/>: <paramref name="confirmation"/> is the kid or its first 8
    /// characters, <paramref name="reason"/> is required. Waits for a second person's approval on rings with RequireApproval.
    /// </summary>
    /// <exception cref="KeyRequestException">Wrong confirmation, no reason, or the timeline refuses (e.g. the only signing key).</exception>
    public async Task<OperationView> RevokeAsync(ClaimsPrincipal caller, string ring, string kid, string? confirmation, string? reason, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, RevokeRule, cancellationToken);
        var found = Find(ring);
        var versions = await store.ReadVersionsAsync(found.Name, cancellationToken);
        if (versions.All(v => v.Kid != kid))
        {
            throw new KeyNotFoundException($"{found.Name} has no key {kid}.");
        }

        var typed = confirmation?.Trim() ?? "";
        if (!(typed == kid || (typed.Length == 8 && typed == KeyKinds.Short(kid))))
        {
            throw new KeyRequestException("confirmation", $"Type the key's id, {KeyKinds.Short(kid)} (its first 8 characters) or all of it, to confirm the revocation.");
        }

        var cleanReason = Reason(reason, required: true)!;
        var trial = KeyTimeline.Revoke(found, versions, kid, time.GetUtcNow());
        if (trial.Refusal is { } refusal)
        {
            throw new KeyRequestException("kid", $"{KeyKinds.Short(kid)} cannot be revoked: {refusal}");
        }

        var parameters = new Dictionary<string, string> { ["ring"] = found.Name, ["kid"] = kid, ["reason"] = cleanReason };
        return await operations.RequestAsync(
            caller, new OperationRequest(KeyKinds.Revoke, KeyKinds.Target(found.Name), $"Revoke key {KeyKinds.Short(kid)} of {found.Name}", found.RequireApproval, parameters), cancellationToken);
    }

    public Task<bool> MayRotateAsync(ClaimsPrincipal caller) => actions.IsAllowedAsync(caller, ConsolePolicies.KeysRotate);

    public Task<bool> MayRevokeAsync(ClaimsPrincipal caller) => actions.IsAllowedAsync(caller, ConsolePolicies.KeysRevoke);

    /// <summary>The ring an operation is for (it may have left the configuration since it was requested).</summary>
    internal static KeyRing RingOf(ConfiguredKeyRings rings, OperationRun run) =>
        rings.Find(run.Parameter("ring"))
        ?? throw new InvalidOperationException($"the key ring \"{run.Parameter("ring")}\" is no longer configured (Keys:Rings); nothing changed.");

    internal static string Words(TimeSpan span) => PromDuration.Format(span);

    private KeyRing Find(string ring) =>
        rings.Find(ring) ?? throw new KeyNotFoundException($"There is no key ring \"{ring}\" (Keys:Rings).");

    /// <summary>Rotations and revocations queued, awaiting approval or running (read here: a key reader need not read every operation).</summary>
    private async Task<IReadOnlyList<OperationView>> ActiveAsync(string? target, CancellationToken ct)
    {
        var rows = db.Operations.AsNoTracking().Where(o =>
            (o.Kind == KeyKinds.Rotate || o.Kind == KeyKinds.Revoke)
            && (o.State == OperationState.Queued || o.State == OperationState.AwaitingApproval || o.State == OperationState.Running));
        if (target is not null)
        {
            rows = rows.Where(o => o.Target == target);
        }

        return [.. (await rows.OrderByDescending(o => o.Id).ToListAsync(ct)).Select(OperationService.View)];
    }

    private static string? Reason(string? reason, bool required)
    {
        var clean = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (clean is null && required)
        {
            throw new KeyRequestException("reason", "Say why the key is revoked (it goes into the audit log).");
        }

        if (clean is { Length: > MaxReasonLength })
        {
            throw new KeyRequestException("reason", $"The reason is longer than {MaxReasonLength} characters.");
        }

        return clean;
    }

    private static KeyRingView View(KeyRing ring, IReadOnlyList<SigningKeyView> keys, IReadOnlyList<OperationView> active, DateTimeOffset now)
    {
        var snapshot = KeyTimeline.Snapshot(ring, [.. keys.Select(k => k.Version)], now);
        var versions = snapshot.Versions
            .Select(s => keys.First(k => k.Kid == s.Version.Kid) is var k
                ? new KeyVersionView(k.Kid, k.Algorithm, s.State, s.Version.CreatedAt, s.Version.PublishAt, s.Version.ActivateAt, s.Version.RetireAt, s.Version.RemoveAt, s.Version.RevokedAt, k.CreatedBy, k.PublicJwk)
                : null!)
            .ToList();
        var target = KeyKinds.Target(ring.Name);
        return new KeyRingView(ring, now, versions, snapshot.Signing?.Kid, snapshot.NextRotationDue, snapshot.Urgency, snapshot.Problems, active.FirstOrDefault(o => o.Target == target));
    }
}
