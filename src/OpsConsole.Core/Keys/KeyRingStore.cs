using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Keys;

/// <summary>The configured rings, parsed once (the options were validated at start).</summary>
public sealed class ConfiguredKeyRings
{
    public ConfiguredKeyRings(IOptions<KeysOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (rings, maxAge, _) = KeyRings.Parse(options.Value);
        Rings = rings;
        JwksMaxAge = maxAge;
    }

    public IReadOnlyList<KeyRing> Rings { get; }

    public TimeSpan JwksMaxAge { get; }

    public KeyRing? Find(string name) => Rings.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal));
}

/// <summary>
/// The rings' key versions in <c>signing_keys</c>: read as <see cref="SigningKeyView"/>s (never with the private part) and
/// <see cref="KeyVersion"/>s for <see cref="KeyTimeline"/>; creates a ring's first key. The private key is protected with
/// Data Protection, whose key ring is in PostgreSQL, so every instance can open it.
/// </summary>
public sealed class KeyRingStore(ConsoleDbContext db, AuditedActions actions, IDataProtectionProvider dataProtection, TimeProvider time)
{
    public const string PrivateKeyPurpose = "OpsConsole.Keys.PrivateKey.v1";

    internal static readonly JsonSerializerOptions JwkJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Every stored key of <paramref name="rings"/> (all rings when null), oldest activation first.</summary>
    public async Task<IReadOnlyList<SigningKeyView>> ReadAsync(IReadOnlyCollection<string>? rings = null, CancellationToken cancellationToken = default)
    {
        var query = db.SigningKeys.AsNoTracking();
        if (rings is not null)
        {
            var names = rings.ToArray();
            query = query.Where(k => names.Contains(k.Ring));
        }

        // Projected: the protected private key is never loaded for a read.
        var rows = await query
            .OrderBy(k => k.Ring).ThenBy(k => k.ActivateAt).ThenBy(k => k.CreatedAt)
            .Select(k => new { k.Ring, k.Kid, k.Algorithm, k.PublicJwk, k.CreatedAt, k.PublishAt, k.ActivateAt, k.RetireAt, k.RemoveAt, k.RevokedAt, k.CreatedBy })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new SigningKeyView(
            r.Ring, r.Kid, r.Algorithm, JsonSerializer.Deserialize<PublicJwk>(r.PublicJwk, JwkJson)!,
            new KeyVersion(r.Kid, r.CreatedAt, r.PublishAt, r.ActivateAt, r.RetireAt, r.RemoveAt, r.RevokedAt), r.CreatedBy))];
    }

    /// <summary>A ring's versions, for <see cref="KeyTimeline"/>.</summary>
    public async Task<IReadOnlyList<KeyVersion>> ReadVersionsAsync(string ring, CancellationToken cancellationToken = default) =>
        [.. (await ReadAsync([ring], cancellationToken)).Select(k => k.Version)];

    /// <summary>
    /// Creates <paramref name="ring"/>'s first key (signing at once) when it has none; true when this call created it.
    /// Instances starting together take turns on a transaction-scoped advisory lock keyed by the ring and re-read under
    /// it, so a ring gets exactly one first key. Audited (<c>keys.created</c>, by the system); <c>keys.changed</c> after commit.
    /// </summary>
    public async Task<bool> EnsureActiveAsync(KeyRing ring, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        // The timeline's rule for a ring without a signing key: published and signing from now.
        var created = await ChangeAsync(ring, new KeyChangeCause(AuditActors.System.Identity?.Name ?? "system", Reason: "first key of the ring"), "keys.created", (versions, now) =>
        {
            if (versions.Count > 0)
            {
                return null;
            }

            var generated = KeyMaterial.Generate(ring.Algorithm, ring.RsaKeySize);
            return (KeyTimeline.Rotate(ring, [], generated.Kid, now), generated);
        }, cancellationToken);
        return created is not null;
    }

    /// <summary>
    /// Rotates <paramref name="ring"/> now (<see cref="KeyTimeline.Rotate"/>): a new key, published at once, signing after the
    /// lead time (at once when <paramref name="immediate"/>). With <paramref name="onlyIfDue"/> (the scheduler) nothing happens
    /// unless the rotation is due, read again under the ring's lock, so instances that both saw it due rotate once: null then.
    /// </summary>
    /// <exception cref="KeyChangeRefusedException">The timeline refuses (a rotation is already under way).</exception>
    public Task<KeyChange?> RotateAsync(KeyRing ring, bool immediate, KeyChangeCause cause, bool onlyIfDue = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(cause);
        return ChangeAsync(ring, cause, "keys.rotated", (versions, now) =>
        {
            if (onlyIfDue && KeyTimeline.Urgency(ring, versions, now) != RotationUrgency.Overdue)
            {
                return null;
            }

            var generated = KeyMaterial.Generate(ring.Algorithm, ring.RsaKeySize);
            return (KeyTimeline.Rotate(ring, versions, generated.Kid, now, immediate), generated);
        }, cancellationToken);
    }

    /// <summary>Revokes <paramref name="kid"/> now (<see cref="KeyTimeline.Revoke"/>): out of the JWKS at once.</summary>
    /// <exception cref="KeyChangeRefusedException">The timeline refuses (unknown, already out, or the only signing key).</exception>
    public Task<KeyChange?> RevokeAsync(KeyRing ring, string kid, KeyChangeCause cause, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(cause);
        return ChangeAsync(ring, cause, "keys.revoked", (versions, now) => (KeyTimeline.Revoke(ring, versions, kid, now), null), cancellationToken);
    }

    /// <summary>
    /// One change of a ring's timeline in one transaction under the ring's advisory lock: read, decide, store every changed
    /// version (and a new key's protected private part), audit, and tell every instance after commit.
    /// </summary>
    private Task<KeyChange?> ChangeAsync(
        KeyRing ring, KeyChangeCause cause, string action,
        Func<IReadOnlyList<KeyVersion>, DateTimeOffset, (KeyTimelineChange Change, GeneratedKey? Generated)?> decide,
        CancellationToken cancellationToken) =>
        actions.RunAsync(AuditActors.System, async work =>
        {
            var lockName = "opsconsole.keys." + ring.Name;
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({lockName}, 0))", cancellationToken);
            var rows = await db.SigningKeys.Where(k => k.Ring == ring.Name).ToListAsync(cancellationToken);
            var versions = rows.Select(ToVersion).ToList();
            var now = ToStoredPrecision(time.GetUtcNow());
            if (decide(versions, now) is not var (change, generated))
            {
                return (KeyChange?)null;
            }

            try
            {
                if (change.Refusal is { } refusal)
                {
                    throw new KeyChangeRefusedException(refusal);
                }

                foreach (var version in change.Changed)
                {
                    if (rows.FirstOrDefault(r => r.Kid == version.Kid) is { } row)
                    {
                        row.ActivateAt = version.ActivateAt;
                        row.RetireAt = version.RetireAt;
                        row.RemoveAt = version.RemoveAt;
                        row.RevokedAt = version.RevokedAt;
                    }
                    else if (generated is not null && generated.Kid == version.Kid)
                    {
                        db.SigningKeys.Add(new StoredSigningKey
                        {
                            Ring = ring.Name,
                            Kid = generated.Kid,
                            Algorithm = ring.Algorithm.Name,
                            PublicJwk = JsonSerializer.Serialize(generated.PublicJwk, JwkJson),
                            ProtectedPrivateKey = dataProtection.CreateProtector(PrivateKeyPurpose).Protect(generated.PrivateKeyPkcs8),
                            CreatedAt = version.CreatedAt,
                            PublishAt = version.PublishAt,
                            ActivateAt = version.ActivateAt,
                            RetireAt = version.RetireAt,
                            RemoveAt = version.RemoveAt,
                            CreatedBy = cause.RequestedBy,
                        });
                    }
                }

                await db.SaveChangesAsync(cancellationToken);
            }
            finally
            {
                if (generated is not null)
                {
                    CryptographicOperations.ZeroMemory(generated.PrivateKeyPkcs8);
                }
            }

            var signing = KeyTimeline.Signing(change.Versions, now);
            var details = new List<(string Key, string? Value)>
            {
                ("kid", generated?.Kid ?? change.Changed.FirstOrDefault(v => v.RevokedAt == now)?.Kid),
                ("algorithm", ring.Algorithm.Name),
                ("signing_now", signing?.Kid),
                ("changed", string.Join(", ", change.Changed.Select(v => v.Kid))),
                ("reason", cause.Reason),
                ("operation", cause.OperationId?.ToString()),
                ("requested_by", cause.RequestedBy),
                ("approved_by", cause.ApprovedBy),
            };
            await work.RecordAsync(action, "key_ring", ring.Name, [.. details]);
            work.Publish(KeyTopics.Changed, new KeysChanged(ring.Name));
            return new KeyChange(change, generated?.Kid, now);
        }, cancellationToken);

    private static KeyVersion ToVersion(StoredSigningKey k) => new(k.Kid, k.CreatedAt, k.PublishAt, k.ActivateAt, k.RetireAt, k.RemoveAt, k.RevokedAt);

    /// <summary>The private key of a version, unprotected and loaded for signing (the sign API's and the tests' way in).</summary>
    internal async Task<SigningKey> OpenAsync(string ring, string kid, CancellationToken cancellationToken = default)
    {
        var row = await db.SigningKeys.AsNoTracking().SingleAsync(k => k.Ring == ring && k.Kid == kid, cancellationToken);
        var algorithm = SigningAlgorithm.Find(row.Algorithm) ?? throw new InvalidOperationException($"Key {ring}/{kid} has an unknown algorithm {row.Algorithm}.");
        var pkcs8 = dataProtection.CreateProtector(PrivateKeyPurpose).Unprotect(row.ProtectedPrivateKey);
        try
        {
            return KeyMaterial.Import(pkcs8, algorithm, kid);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>PostgreSQL keeps microseconds: instants are truncated before they are stored so they read back equal.</summary>
    internal static DateTimeOffset ToStoredPrecision(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);
}

/// <summary>Who and what a change of a ring's keys is for: the audit record's details.</summary>
public sealed record KeyChangeCause(string RequestedBy, string? ApprovedBy = null, Guid? OperationId = null, string? Reason = null);

/// <summary>A stored change: the timeline's result, the new key's kid (a rotation), and the instant it took effect.</summary>
public sealed record KeyChange(KeyTimelineChange Timeline, string? NewKid, DateTimeOffset At);

/// <summary>The ring's timeline refused the change (the message says why and what to do instead); nothing was stored.</summary>
public sealed class KeyChangeRefusedException(string message) : InvalidOperationException(message);
