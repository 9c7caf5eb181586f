using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace OpsConsole.Core.Keys;

/// <summary>A JWK Set document (RFC 7517 §5) as served: its UTF-8 bytes and a strong ETag of them.</summary>
public sealed record JwksDocument(byte[] Utf8, string ETag)
{
    public const string ContentType = "application/jwk-set+json";

    public override string ToString() => System.Text.Encoding.UTF8.GetString(Utf8);
}

public static class Jwks
{
    /// <summary>
    /// Writes <c>{"keys":[…]}</c> with each key's members in a fixed order, so the same keys give the same bytes and ETag
    /// on every instance.
    /// </summary>
    public static JwksDocument Build(IEnumerable<PublicJwk> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("keys");
            foreach (var key in keys)
            {
                json.WriteStartObject();
                json.WriteString("kty", key.Kty);
                json.WriteString("use", key.Use);
                json.WriteString("alg", key.Alg);
                json.WriteString("kid", key.Kid);
                Optional(json, "n", key.N);
                Optional(json, "e", key.E);
                Optional(json, "crv", key.Crv);
                Optional(json, "x", key.X);
                Optional(json, "y", key.Y);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var bytes = buffer.ToArray();
        return new JwksDocument(bytes, $"\"{Base64UrlEncoder.Encode(SHA256.HashData(bytes))}\"");
    }

    private static void Optional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
