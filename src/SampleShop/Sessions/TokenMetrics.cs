using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Prometheus;

namespace SampleShop.Sessions;

/// <summary>
/// What the console's Keys page reads from every scraped service that validates its tokens: validations by kid, and
/// failures by reason and kid. Kids are labels only when they look like the console's (RFC 7638 thumbprints) and only
/// the first <see cref="MaxKids"/> of them, so a client sending made-up kids cannot grow the series without bound.
/// </summary>
public static class TokenMetrics
{
    public const int MaxKids = 50;

    public static readonly Counter Validated = Metrics.CreateCounter(
        "jwt_tokens_validated_total", "Bearer tokens that validated, by the kid that signed them.", "kid");

    public static readonly Counter Failures = Metrics.CreateCounter(
        "jwt_token_validation_failures_total", "Bearer tokens that did not validate, by reason (unknown_kid, expired, no_expiry, bad_signature, bad_issuer, bad_audience, malformed, other) and kid.", "reason", "kid");

    private static readonly HashSet<string> Seen = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    public static string Reason(Exception? failure) => failure switch
    {
        SecurityTokenSignatureKeyNotFoundException => "unknown_kid",
        SecurityTokenNoExpirationException => "no_expiry",
        SecurityTokenExpiredException => "expired",
        SecurityTokenInvalidSignatureException => "bad_signature",
        SecurityTokenInvalidIssuerException => "bad_issuer",
        SecurityTokenInvalidAudienceException => "bad_audience",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "other",
    };

    /// <summary>The kid of a raw bearer token as a label value: "none" when unreadable, "other" past the cap or when it is not a thumbprint.</summary>
    public static string KidLabel(string? rawToken)
    {
        string? kid = null;
        try
        {
            if (!string.IsNullOrEmpty(rawToken) && rawToken.Length < 16_384)
            {
                kid = new JsonWebToken(rawToken).Kid;
            }
        }
        catch (ArgumentException)
        {
            // not a JWS
        }

        return Bounded(kid);
    }

    public static string Bounded(string? kid)
    {
        if (string.IsNullOrEmpty(kid))
        {
            return "none";
        }

        if (kid.Length != 43 || !kid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return "other";
        }

        lock (Gate)
        {
            return Seen.Contains(kid) || (Seen.Count < MaxKids && Seen.Add(kid)) ? kid : "other";
        }
    }
}
