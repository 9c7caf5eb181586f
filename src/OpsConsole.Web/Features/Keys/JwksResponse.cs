using Microsoft.Net.Http.Headers;
using OpsConsole.Core.Keys;

namespace OpsConsole.Web.Features.Keys;

/// <summary>A JWKS document as an HTTP response: cacheable for Keys:JwksMaxAge, with its strong ETag, 304 when it matches.</summary>
public static class JwksResponse
{
    public static IResult Write(HttpContext context, JwksDocument document, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(document);
        var headers = context.Response.Headers;
        headers.ETag = document.ETag;
        headers.CacheControl = $"public, max-age={(long)maxAge.TotalSeconds}";
        return Matches(context.Request.Headers.IfNoneMatch, document.ETag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(document.Utf8, JwksDocument.ContentType);
    }

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a W/ prefix still matches; * matches any.</summary>
    internal static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(etag);
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: false));
    }
}
