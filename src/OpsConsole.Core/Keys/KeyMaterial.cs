using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace OpsConsole.Core.Keys;

/// <summary>
/// A freshly generated key: the private part as PKCS#8 bytes for the caller to protect (Data Protection) and store, and
/// the public JWK. The caller clears <see cref="PrivateKeyPkcs8"/> once it is protected.
/// </summary>
public sealed record GeneratedKey(string Kid, SigningAlgorithm Algorithm, byte[] PrivateKeyPkcs8, PublicJwk PublicJwk);

/// <summary>
/// The public half of a key as the JWKS publishes it (RFC 7517/7518): only these members exist, so no private parameter
/// can reach a JWKS or an API by accident.
/// </summary>
public sealed record PublicJwk(string Kty, string Use, string Alg, string Kid, string? N = null, string? E = null, string? Crv = null, string? X = null, string? Y = null);

/// <summary>Key generation and conversion with .NET's RSA/ECDsa and Microsoft.IdentityModel's JWK converter.</summary>
public static class KeyMaterial
{
    public static GeneratedKey Generate(SigningAlgorithm algorithm, int rsaKeySize = 2048)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        using AsymmetricAlgorithm key = algorithm.IsRsa ? RSA.Create(rsaKeySize) : ECDsa.Create(algorithm.EcCurve);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        var jwk = ToPublicJwk(key, algorithm);
        return new GeneratedKey(jwk.Kid, algorithm, pkcs8, jwk);
    }

    /// <summary>
    /// The public JWK of <paramref name="key"/>, its kid the RFC 7638 thumbprint (base64url SHA-256 of the required
    /// members), so the same key always has the same kid and a kid names exactly one key.
    /// </summary>
    public static PublicJwk ToPublicJwk(AsymmetricAlgorithm key, SigningAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(algorithm);

        // Convert from a copy holding only the public parameters: the converter copies private ones when the key has them.
        JsonWebKey jwk;
        switch (key)
        {
            case RSA rsa when algorithm.IsRsa:
                jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: false)));
                break;
            case ECDsa ec when !algorithm.IsRsa:
                using (var publicOnly = ECDsa.Create(ec.ExportParameters(includePrivateParameters: false)))
                {
                    jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(publicOnly));
                }

                if (jwk.Crv != algorithm.Curve)
                {
                    throw new ArgumentException($"{algorithm.Name} needs curve {algorithm.Curve}, the key is on {jwk.Crv}.", nameof(key));
                }

                break;
            default:
                throw new ArgumentException($"A {key.GetType().Name} cannot sign {algorithm.Name}.", nameof(key));
        }

        var kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return algorithm.IsRsa
            ? new PublicJwk(JsonWebAlgorithmsKeyTypes.RSA, JsonWebKeyUseNames.Sig, algorithm.Name, kid, N: jwk.N, E: jwk.E)
            : new PublicJwk(JsonWebAlgorithmsKeyTypes.EllipticCurve, JsonWebKeyUseNames.Sig, algorithm.Name, kid, Crv: jwk.Crv, X: jwk.X, Y: jwk.Y);
    }

    /// <summary>
    /// Signing credentials from stored PKCS#8 bytes, the key tagged with <paramref name="kid"/> so tokens carry it. The
    /// caller disposes the returned key's algorithm (<see cref="SigningKey.Dispose"/>) when done.
    /// </summary>
    public static SigningKey Import(ReadOnlySpan<byte> pkcs8, SigningAlgorithm algorithm, string kid)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        if (algorithm.IsRsa)
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return new SigningKey(rsa, new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = kid }, algorithm.Name));
        }

        var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(pkcs8, out _);
        return new SigningKey(ec, new SigningCredentials(new ECDsaSecurityKey(ec) { KeyId = kid }, algorithm.Name));
    }
}

/// <summary>A private key loaded for signing, and the credentials that use it.</summary>
public sealed class SigningKey(AsymmetricAlgorithm key, SigningCredentials credentials) : IDisposable
{
    public SigningCredentials Credentials { get; } = credentials;

    public void Dispose() => key.Dispose();
}
