using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace OpsConsole.Core.Keys;

/// <summary>A JWS algorithm a key ring may use (RFC 7518 names), and what kind of key it needs.</summary>
public sealed record SigningAlgorithm(string Name, bool IsRsa, string? Curve)
{
    public static readonly SigningAlgorithm RS256 = new(SecurityAlgorithms.RsaSha256, true, null);
    public static readonly SigningAlgorithm PS256 = new(SecurityAlgorithms.RsaSsaPssSha256, true, null);
    public static readonly SigningAlgorithm ES256 = new(SecurityAlgorithms.EcdsaSha256, false, JsonWebKeyECTypes.P256);
    public static readonly SigningAlgorithm ES384 = new(SecurityAlgorithms.EcdsaSha384, false, JsonWebKeyECTypes.P384);

    public static readonly IReadOnlyList<SigningAlgorithm> All = [RS256, PS256, ES256, ES384];

    /// <summary>The algorithm by its exact JWS name (they are case-sensitive in tokens, so here too), or null.</summary>
    public static SigningAlgorithm? Find(string? name) => All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));

    internal ECCurve EcCurve => Curve switch
    {
        JsonWebKeyECTypes.P256 => ECCurve.NamedCurves.nistP256,
        JsonWebKeyECTypes.P384 => ECCurve.NamedCurves.nistP384,
        _ => throw new InvalidOperationException($"{Name} is not an ECDSA algorithm."),
    };

    public override string ToString() => Name;
}
