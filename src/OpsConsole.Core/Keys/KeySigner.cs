using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Prometheus;

namespace OpsConsole.Core.Keys;

/// <summary>A token the sign API made: the compact JWS, the key that signed it, and its validity.</summary>
public sealed record SignedToken(string Token, string Kid, string Algorithm, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>A sign request the ring's rules refuse, naming the field (HTTP 422).</summary>
public sealed class SignRequestException(string field, string message) : ArgumentException(message, field);

public static class KeySignMetrics
{
    /// <summary>Per caller (a service account's name: few, known) and ring; never per token or subject.</summary>
    public static readonly Counter Signatures = Prometheus.Metrics.CreateCounter(
        "opsconsole_key_signatures_total", "Tokens signed through the sign API, by ring and calling account.", "ring", "caller");

    public static readonly Counter Refusals = Prometheus.Metrics.CreateCounter(
        "opsconsole_key_sign_refusals_total", "Sign API requests refused, by ring and reason (reserved_claim, lifetime, claims, no_signing_key).", "ring", "reason");
}

/// <summary>
/// The sign API's engine, like Vault's transit engine: signs a caller's claims with the ring's signing key, adding
/// <c>iat</c>, <c>nbf</c>, <c>exp</c> and <c>jti</c> itself. The hot path touches no database: the signer comes from the
/// JWKS cache's in-memory versions and each private key is loaded (unprotected) once per instance, then kept in memory.
/// </summary>
public sealed class KeySigner(ConfiguredKeyRings rings, JwksCache jwks, IServiceScopeFactory scopes, TimeProvider time)
{
    /// <summary>Claims the console sets: a caller setting them would decide the token's validity or identity instead of the ring.</summary>
    public static readonly IReadOnlySet<string> ReservedClaims = new HashSet<string>(StringComparer.Ordinal) { "iat", "nbf", "exp", "jti" };

    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    private static readonly JsonWebTokenHandler Handler = new();

    // Per ring, the key loaded for its signing kid. A replaced key is dropped, not disposed: a request on another thread may
    // still hold it (the GC releases it).
    private readonly ConcurrentDictionary<string, (string Kid, Lazy<Task<SigningKey>> Key)> _loaded = new(StringComparer.Ordinal);

    /// <exception cref="KeyNotFoundException">No such ring.</exception>
    /// <exception cref="SignRequestException">Not a claims object, a reserved claim, a lifetime past the ring's maximum, or no signing key.</exception>
    public async Task<SignedToken> SignAsync(string ring, JsonElement claims, TimeSpan? lifetime, string caller, CancellationToken cancellationToken = default)
    {
        var found = rings.Find(ring) ?? throw new KeyNotFoundException($"There is no key ring \"{ring}\" (Keys:Rings).");
        if (claims.ValueKind != JsonValueKind.Object)
        {
            throw Refuse(found.Name, "claims", "claims", $"claims must be a JSON object of the token's claims, not {claims.ValueKind.ToString().ToLowerInvariant()}.");
        }

        foreach (var claim in claims.EnumerateObject())
        {
            if (ReservedClaims.Contains(claim.Name))
            {
                throw Refuse(found.Name, "reserved_claim", $"claims.{claim.Name}",
                    $"{claim.Name} is set by the console (iat, nbf, exp and jti are; the lifetime field sets exp).");
            }
        }

        var life = lifetime ?? (DefaultLifetime < found.MaxTokenLifetime ? DefaultLifetime : found.MaxTokenLifetime);
        if (life <= TimeSpan.Zero || life > found.MaxTokenLifetime)
        {
            throw Refuse(found.Name, "lifetime", "lifetime",
                $"lifetime must be positive and at most the ring's MaxTokenLifetime ({KeysService.Words(found.MaxTokenLifetime)}): its keys stay published only that long after they stop signing.");
        }

        var now = time.GetUtcNow();
        var kid = jwks.SigningKid(found.Name, now)
                  ?? throw Refuse(found.Name, "no_signing_key", "ring", $"{found.Name} has no signing key right now (all revoked or removed); rotate it.");
        var key = await KeyAsync(found.Name, kid, cancellationToken);
        var issued = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var expires = issued + life;
        var token = Handler.CreateToken(Payload(claims, issued, expires), key.Credentials);
        KeySignMetrics.Signatures.WithLabels(found.Name, caller).Inc();
        return new SignedToken(token, kid, found.Algorithm.Name, issued, expires);
    }

    private async Task<SigningKey> KeyAsync(string ring, string kid, CancellationToken ct)
    {
        // The hot path: the ring's loaded key is the signing one (a lookup, no allocation).
        if (!_loaded.TryGetValue(ring, out var entry) || entry.Kid != kid)
        {
            entry = _loaded.AddOrUpdate(ring,
                _ => (kid, new Lazy<Task<SigningKey>>(() => LoadAsync(ring, kid))),
                (_, current) => current.Kid == kid ? current : (kid, new Lazy<Task<SigningKey>>(() => LoadAsync(ring, kid))));
        }

        try
        {
            return await entry.Key.Value.WaitAsync(ct);
        }
        catch (Exception) when (entry.Key.Value.IsFaulted)
        {
            _loaded.TryRemove(new KeyValuePair<string, (string, Lazy<Task<SigningKey>>)>(ring, entry)); // the next request tries again
            throw;
        }
    }

    private async Task<SigningKey> LoadAsync(string ring, string kid)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<KeyRingStore>().OpenAsync(ring, kid, CancellationToken.None);
    }

    /// <summary>The caller's claims as they came, then the console's four.</summary>
    private static string Payload(JsonElement claims, DateTimeOffset issued, DateTimeOffset expires)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var claim in claims.EnumerateObject())
            {
                claim.WriteTo(json);
            }

            json.WriteNumber("iat", issued.ToUnixTimeSeconds());
            json.WriteNumber("nbf", issued.ToUnixTimeSeconds());
            json.WriteNumber("exp", expires.ToUnixTimeSeconds());
            json.WriteString("jti", Guid.CreateVersion7(issued).ToString("N"));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static SignRequestException Refuse(string ring, string reason, string field, string message)
    {
        KeySignMetrics.Refusals.WithLabels(ring, reason).Inc();
        return new SignRequestException(field, message);
    }
}
