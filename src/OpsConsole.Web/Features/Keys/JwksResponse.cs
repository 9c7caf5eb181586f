using Microsoft.Net.Http.Headers;
using Prometheus;
using OpsConsole.Core.Keys;

namespace OpsConsole.Web.Features.Keys;

/// <summary>A JWKS document as an HTTP response: cacheable for Keys:JwksMaxAge, with its strong ETag, 304 when it matches.</summary>
public static class JwksResponse
{
    /// <summary>The ring label of /.well-known/jwks.json in opsconsole_jwks_requests_total.</summary>
    public const string AllRings = "_all";

    /// <summary>
    /// JWKS requests by ring and status code: the endpoints skip HttpMetrics (short-circuited), and how often consumers
    /// refetch is worth seeing. Unknown ring names are counted under "_unknown" so a scanner cannot grow the series.
    /// </summary>
    public static readonly Counter Requests = Prometheus.Metrics.CreateCounter(
        "opsconsole_jwks_requests_total", "Requests for the console's JWKS documents, by ring (_all: /.well-known/jwks.json) and HTTP status code.",
        new CounterConfiguration { LabelNames = ["ring", "code"] });

    public static IResult Write(HttpContext context, JwksDocument document, TimeSpan maxAge, string ring)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(document);
        var headers = context.Response.Headers;
        headers.ETag = document.ETag;
        headers.CacheControl = $"public, max-age={(long)maxAge.TotalSeconds}";
        if (Matches(context.Request.Headers.IfNoneMatch, document.ETag))
        {
            Requests.WithLabels(ring, "304").Inc();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        Requests.WithLabels(ring, "200").Inc();
        return TypedResults.Bytes(document.Utf8, JwksDocument.ContentType);
    }

    public static IResult NotFound(string ring)
    {
        Requests.WithLabels("_unknown", "404").Inc();
        return TypedResults.Problem($"There is no key ring \"{ring}\".", title: "Not found", statusCode: StatusCodes.Status404NotFound);
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
