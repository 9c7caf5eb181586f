using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpsConsole.Core.Keys;

namespace OpsConsole.Core.Tests.Keys;

public sealed class KeyMaterialTests
{
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    public static TheoryData<string> Algorithms => [.. SigningAlgorithm.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void A_generated_key_has_a_public_jwk_with_its_thumbprint_as_kid_and_no_private_member(string name)
    {
        var algorithm = SigningAlgorithm.Find(name)!;
        var key = KeyMaterial.Generate(algorithm);

        var jwks = Jwks.Build([key.PublicJwk]);
        using var document = JsonDocument.Parse(jwks.Utf8);
        var member = Assert.Single(document.RootElement.GetProperty("keys").EnumerateArray());
        var names = member.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Empty(names.Intersect(PrivateMembers));
        Assert.Equal(algorithm.IsRsa ? ["kty", "use", "alg", "kid", "n", "e"] : new[] { "kty", "use", "alg", "kid", "crv", "x", "y" }, names);
        Assert.Equal(("sig", name, key.Kid), (member.GetProperty("use").GetString(), member.GetProperty("alg").GetString(), member.GetProperty("kid").GetString()));

        // The kid is the RFC 7638 thumbprint of the published key, recomputed independently by the library.
        var parsed = Assert.Single(new JsonWebKeySet(jwks.ToString()).Keys);
        Assert.False(parsed.HasPrivateKey);
        Assert.Equal(key.Kid, Base64UrlEncoder.Encode(parsed.ComputeJwkThumbprint()));
        Assert.Equal(43, key.Kid.Length); // base64url of 32 bytes

        // The private part round-trips through PKCS#8 to the same public key.
        using AsymmetricAlgorithm imported = algorithm.IsRsa ? RSA.Create() : ECDsa.Create();
        imported.ImportPkcs8PrivateKey(key.PrivateKeyPkcs8, out _);
        Assert.Equal(key.PublicJwk, KeyMaterial.ToPublicJwk(imported, algorithm));
        Assert.NotEqual(key.Kid, KeyMaterial.Generate(algorithm).Kid);
    }

    [Fact]
    public void Rsa_keys_have_the_requested_size_and_ecdsa_keys_the_algorithm_curve()
    {
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(KeyMaterial.Generate(SigningAlgorithm.RS256, 3072).PrivateKeyPkcs8, out _);
        Assert.Equal(3072, rsa.KeySize);
        Assert.Equal("P-384", KeyMaterial.Generate(SigningAlgorithm.ES384).PublicJwk.Crv);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<ArgumentException>(() => KeyMaterial.ToPublicJwk(p256, SigningAlgorithm.ES384));
        Assert.Throws<ArgumentException>(() => KeyMaterial.ToPublicJwk(p256, SigningAlgorithm.RS256));
    }

    [Fact]
    public void The_etag_is_strong_and_changes_with_the_keys_only()
    {
        var a = KeyMaterial.Generate(SigningAlgorithm.ES256).PublicJwk;
        var b = KeyMaterial.Generate(SigningAlgorithm.ES256).PublicJwk;

        var one = Jwks.Build([a, b]);
        Assert.Equal(one.ETag, Jwks.Build([a, b]).ETag);
        Assert.Equal(one.Utf8, Jwks.Build([a, b]).Utf8);
        Assert.NotEqual(one.ETag, Jwks.Build([a]).ETag);
        Assert.Matches("^\"[A-Za-z0-9_-]{43}\"$", one.ETag); // not W/: byte-for-byte the same document
        Assert.Equal("{\"keys\":[]}", Jwks.Build([]).ToString());
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task A_token_signed_with_a_ring_key_validates_against_the_jwks_until_the_key_is_removed(string name)
    {
        var algorithm = SigningAlgorithm.Find(name)!;
        var old = KeyMaterial.Generate(algorithm);
        var current = KeyMaterial.Generate(algorithm);
        var handler = new JsonWebTokenHandler();
        var oldToken = Sign(handler, old);
        var newToken = Sign(handler, current);

        var overlap = new JsonWebKeySet(Jwks.Build([old.PublicJwk, current.PublicJwk]).ToString());
        var afterRemoval = new JsonWebKeySet(Jwks.Build([current.PublicJwk]).ToString());

        var valid = await handler.ValidateTokenAsync(oldToken, Parameters(overlap));
        Assert.True(valid.IsValid, valid.Exception?.Message);
        Assert.Equal(old.Kid, ((JsonWebToken)valid.SecurityToken).Kid);
        Assert.Equal("alice", valid.Claims["sub"]);
        Assert.True((await handler.ValidateTokenAsync(newToken, Parameters(overlap))).IsValid);
        Assert.True((await handler.ValidateTokenAsync(newToken, Parameters(afterRemoval))).IsValid);

        var removed = await handler.ValidateTokenAsync(oldToken, Parameters(afterRemoval));
        Assert.False(removed.IsValid);
        Assert.IsAssignableFrom<SecurityTokenSignatureKeyNotFoundException>(removed.Exception);
    }

    private static string Sign(JsonWebTokenHandler handler, GeneratedKey key)
    {
        using var signing = KeyMaterial.Import(key.PrivateKeyPkcs8, key.Algorithm, key.Kid);
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://console.test",
            Audience = "sampleshop",
            Claims = new Dictionary<string, object> { ["sub"] = "alice" },
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = signing.Credentials,
        });
    }

    private static TokenValidationParameters Parameters(JsonWebKeySet jwks) => new()
    {
        ValidIssuer = "https://console.test",
        ValidAudience = "sampleshop",
        IssuerSigningKeys = jwks.GetSigningKeys(),
        ValidAlgorithms = SigningAlgorithm.All.Select(a => a.Name),
    };

    [Fact]
    public void Utf8_document_and_its_string_agree()
    {
        var document = Jwks.Build([KeyMaterial.Generate(SigningAlgorithm.RS256).PublicJwk]);
        Assert.Equal(Encoding.UTF8.GetString(document.Utf8), document.ToString());
    }
}
